#!/usr/bin/env bash
# Browser-side assets for the live viewer page, installed once and cached (idempotent):
#  - npm mpegts.js (pinned) into $TWINCAST_HOME/web/node_modules: the page serves it itself,
#    never from a CDN, so a show runs on a machine with no internet and leaks no viewer IPs.
#  - Debian chromium, only when missing and only with --browser (the Playwright test needs it;
#    running a show does not). Never `playwright install`: it downloads a browser build,
#    which fails here and on many user machines.
# Usage: scripts/setup_web.sh [--browser]
set -euo pipefail
MPEGTS_VERSION=1.8.2
WEB="${TWINCAST_HOME:-$HOME/.cache/twincast}/web"
log() { printf '[setup_web] %s\n' "$*" >&2; }

setup_mpegts() {
  local pkg="$WEB/node_modules/mpegts.js"
  if [ -s "$pkg/dist/mpegts.js" ] && grep -q "\"version\": \"$MPEGTS_VERSION\"" "$pkg/package.json" 2>/dev/null; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is missing: install Node.js (Debian: apt-get install nodejs npm) to get the video player"
    return 1
  fi
  log "installing mpegts.js $MPEGTS_VERSION into $WEB (first run only)"
  mkdir -p "$WEB"
  # a private package.json keeps npm from walking up into some parent project
  [ -f "$WEB/package.json" ] || printf '{"name":"twincast-web","private":true}\n' > "$WEB/package.json"
  npm install --prefix "$WEB" --save-exact --ignore-scripts --no-audit --no-fund --loglevel=error \
    "mpegts.js@$MPEGTS_VERSION" >&2
  [ -s "$pkg/dist/mpegts.js" ] || { log "mpegts.js install incomplete"; return 1; }
}

setup_chromium() {
  if command -v chromium >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    log "chromium is missing and this user cannot install it: apt-get install chromium (browser tests skip without it)"
    return 0
  fi
  local SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "installing Debian chromium for the browser tests (first run only)"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >&2
}

setup_mpegts
if [ "${1:-}" = "--browser" ]; then setup_chromium; fi

#!/usr/bin/env bash
# Debian packages the TEST suite needs (idempotent; only installs what is missing):
#  - nginx + libnginx-mod-rtmp: a real RTMP server the live tests push to and decode from.
#  - chromium: a real browser for the viewer-page tests (see setup_web.sh).
# Running shows does not need any of them.
set -euo pipefail
log() { printf '[setup_system] %s\n' "$*" >&2; }
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    log "missing ${missing[*]} and no root: install them with apt-get (their tests will be skipped)"; exit 0
  fi
fi
log "installing ${missing[*]} (first run only)"
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >&2
# Debian starts nginx on install where an init system runs; tests start their own on loopback.

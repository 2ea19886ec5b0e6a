#!/usr/bin/env bash
# Installs the browser the console tests drive (test/browser/): Debian's chromium package.
# playwright-core drives it through its executablePath; no browser build is downloaded.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "installing chromium (Debian package)…"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null

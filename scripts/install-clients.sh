#!/usr/bin/env bash
# Installs the real clients the integration tests drive against guru-api, all Debian packages:
# collectd (collectd-core, with libcurl and libyajl that its write_http plugin loads) and the
# influx CLI (influxdb-client). The tests start collectd themselves with a temp config, so the
# service the package brings is stopped and disabled. Idempotent: a second run only checks.
set -euo pipefail

PACKAGES=(collectd-core libcurl4 libyajl2 influxdb-client)

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO systemctl disable --now collectd >/dev/null 2>&1 || true
  $SUDO service collectd stop >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Installs the real clients the integration tests drive against guru-api, all Debian packages:
# collectd (collectd-core, with libcurl and libyajl that its write_http plugin loads) and the
# influx CLI (influxdb-client). The tests start collectd themselves with a temp config, so the
# service the package brings is stopped and disabled. Idempotent: a second run only checks.
set -euo pipefail

# shellcheck source=debian-packages.sh
. "$(dirname "$0")/debian-packages.sh"
install_missing collectd-core libcurl4 libyajl2 influxdb-client
if [ -n "$INSTALLED" ]; then
  $SUDO systemctl disable --now collectd >/dev/null 2>&1 || true
  $SUDO service collectd stop >/dev/null 2>&1 || true
fi

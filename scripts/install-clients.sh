#!/usr/bin/env bash
# Installs the real clients the integration tests drive against guru-api: collectd
# (collectd-core, with libcurl and libyajl that its write_http plugin loads) and the influx CLI
# (influxdb-client), Debian packages; and InfluxDB 1.x's Python client library (`influxdb` from
# PyPI) in a virtualenv in the cache directory. The tests start collectd themselves with a temp
# config, so the service the package brings is stopped and disabled. Idempotent: a second run
# only checks.
set -euo pipefail

# The Makefile sets both; the defaults let the script run alone.
INFLUXDB_PY_VERSION=${INFLUXDB_PY_VERSION:-5.3.2}
INFLUXDB_PY_VENV=${INFLUXDB_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/time-series-guru/influxdb-python-$INFLUXDB_PY_VERSION}

# shellcheck source=debian-packages.sh
. "$(dirname "$0")/debian-packages.sh"
# shellcheck source=python-venv.sh
. "$(dirname "$0")/python-venv.sh"
install_missing collectd-core libcurl4 libyajl2 influxdb-client
if [ -n "$INSTALLED" ]; then
  $SUDO systemctl disable --now collectd >/dev/null 2>&1 || true
  $SUDO service collectd stop >/dev/null 2>&1 || true
fi
install_venv "$INFLUXDB_PY_VENV" "influxdb==$INFLUXDB_PY_VERSION"

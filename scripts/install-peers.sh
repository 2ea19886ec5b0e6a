#!/usr/bin/env bash
# Installs the peers `make bench-peers` runs guru-api against: InfluxDB 1.x and VictoriaMetrics,
# both Debian packages. The bench starts its own servers on loopback with data in a temp dir, so
# the services the packages bring are stopped and disabled. Idempotent: a second run only checks.
set -euo pipefail

SERVICES=(influxdb victoria-metrics)

# shellcheck source=debian-packages.sh
. "$(dirname "$0")/debian-packages.sh"
install_missing influxdb victoria-metrics

# With systemd the units are disabled; without it (containers) the init scripts may have started
# the daemons anyway, so they are stopped through the init scripts and, failing that, by the
# pid of whatever holds their default ports (8086 and 8088 for influxd, 8428 for VictoriaMetrics).
for s in "${SERVICES[@]}"; do
  $SUDO systemctl disable --now "$s" >/dev/null 2>&1 || true
  $SUDO service "$s" stop >/dev/null 2>&1 || true
done
for port in 8086 8088 8428; do
  pids=$(ss -Htlnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true)
  for pid in $pids; do
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
      influxd | victoria-metric*) $SUDO kill "$pid" || true ;;
    esac
  done
done

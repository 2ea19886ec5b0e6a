#!/usr/bin/env bash
# Starts kdb+ with the guru q API (q/guru.q), or answers the image's HEALTHCHECK (`health`).
#
#   KDB_LICENSE_B64        the licence file, base64; written to a writable QLIC
#   KDB_LICENSE_NAME       its name there: kc.lic (default) or k4.lic (commercial licences)
#   QLIC                   or: a directory holding a mounted kc.lic / k4.lic (default /opt/kx/lic)
#   GURU_STRIPES           stripe mounts, space separated (default: every /data/stripe-N, in N order)
#   GURU_ROOT              catalog, log and HDB root (default: STRIPE0/guru)
#   GURU_CREDENTIALS_FILE  user:password lines (default /etc/guru/credentials)
#   GURU_THREADS           q secondary threads, -s (default: one per stripe)
#   GURU_TIMEOUT_SECONDS   request deadline, -T (default 30; the client gets 'stop)
#   GURU_PORT              q IPC and HTTP port (default 5000)
set -euo pipefail

port="${GURU_PORT:-5000}"
credentials="${GURU_CREDENTIALS_FILE:-/etc/guru/credentials}"

die() {
  echo "guru-kdb: $*" >&2
  exit 1
}

# HEALTHCHECK: .z.ph answers /healthz; with -U, HTTP needs the first login of the file.
if [[ "${1:-}" == "health" ]]; then
  login="$(grep -v '^#' "$credentials" | grep ':' | head -n 1)"
  exec curl -fsS --max-time 2 -u "$login" "http://127.0.0.1:${port}/healthz"
fi

# --- licence ---------------------------------------------------------------------------
if [[ -n "${KDB_LICENSE_B64:-}" ]]; then
  # a Secret as an environment variable: decode it where q can read it (never into the image)
  export QLIC="${HOME:-/home/kdb}/qlic"
  mkdir -p "$QLIC"
  umask 077
  licence="$QLIC/${KDB_LICENSE_NAME:-kc.lic}"
  printf '%s' "$KDB_LICENSE_B64" | base64 -d >"$licence" || die "KDB_LICENSE_B64 is not base64"
  [[ -s "$licence" ]] || die "KDB_LICENSE_B64 decodes to nothing"
else
  export QLIC="${QLIC:-/opt/kx/lic}"
  [[ -f "$QLIC/kc.lic" || -f "$QLIC/k4.lic" ]] ||
    die "no licence: set KDB_LICENSE_B64, or mount kc.lic / k4.lic into $QLIC"
fi

# --- stripes and par.txt -----------------------------------------------------------------
if [[ -n "${GURU_STRIPES:-}" ]]; then
  read -r -a stripes <<<"$GURU_STRIPES"
else
  mapfile -t stripes < <(find /data -maxdepth 1 -type d -name 'stripe-*' | sort -t- -k2 -n)
fi
(( ${#stripes[@]} > 0 )) || die "no stripes: mount /data/stripe-0 (… /data/stripe-N) or set GURU_STRIPES"

root="${GURU_ROOT:-${stripes[0]}/guru}"
mkdir -p "$root/hdb"
# one segment per stripe, in a subdirectory (an ext4 mount root holds lost+found), no trailing /
par=""
for stripe in "${stripes[@]}"; do
  stripe="${stripe%/}"
  mkdir -p "$stripe/db" "$stripe/tmp"
  par+="$stripe/db"$'\n'
done
if [[ -f "$root/hdb/par.txt" ]] && [[ "$(cat "$root/hdb/par.txt")"$'\n' != "$par" ]]; then
  # day d lives on segment d mod N: another stripe list would lose every day already saved
  die "the stripes differ from $root/hdb/par.txt; the stripe count and order cannot change"
fi
printf '%s' "$par" >"$root/hdb/par.txt"
export GURU_ROOT="$root" GURU_CREDENTIALS_FILE="$credentials"

[[ -r "$credentials" ]] || die "cannot read the credentials file $credentials"

threads="${GURU_THREADS:-${#stripes[@]}}"
timeout="${GURU_TIMEOUT_SECONDS:-30}"

cd /opt/guru/q
exec q guru.q -p "$port" -s "$threads" -T "$timeout" -U "$credentials" -q </dev/null

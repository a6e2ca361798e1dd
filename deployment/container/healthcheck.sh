#!/usr/bin/env bash
# analytica-healthcheck — the image's HEALTHCHECK: exit 0 when the service
# works, 1 when it does not, with one line saying why.
#
#   analytica-healthcheck              the dashboard answers /health on
#                                      127.0.0.1:$ANALYTICA_PORT (8080), its
#                                      report finds the store sound, and so
#                                      does `analytica status` (a fresh
#                                      open: the server's long-lived
#                                      connection may not see a damaged file)
#   analytica-healthcheck --store-only no server here (the scheduler, the
#                                      backup loop): `analytica status` finds
#                                      the store sound
#
# "Sound": the checks `database` (the store opens; SQLite's quick_check
# passes, other stores are reachable) and `disk` are not failing. Stale data,
# failed runs and pending reviews are for `analytica status` to report: they
# do not make the container unhealthy. The store is $ANALYTICA_PIPELINE's
# first sink when that is set.
set -uo pipefail

port="${ANALYTICA_PORT:-8080}"
mode=http
case "${1:-}" in
  --store-only) mode=store ;;
  "") ;;
  *) echo "usage: analytica-healthcheck [--store-only]" >&2; exit 2 ;;
esac

if [ "$mode" = http ]; then
  if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    echo "unhealthy: nothing answers on 127.0.0.1:$port"
    exit 1
  fi
  printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  response=$(timeout 15 cat <&3)
  exec 3<&-
  status_line=${response%%$'\r'*}
  case "$status_line" in
    "HTTP/1."[01]" 200"* | "HTTP/1."[01]" 503"*) ;;  # 503: failing, maybe only stale: read on
    *) echo "unhealthy: /health answered '${status_line:-nothing}'"; exit 1 ;;
  esac
  server_report=${response#*$'\r\n\r\n'}
fi
args=(status --json --no-source-hash)
[ -n "${ANALYTICA_PIPELINE:-}" ] && args+=(--pipeline "$ANALYTICA_PIPELINE")
status_report=$(analytica "${args[@]}" 2>/dev/null)
[ -n "$status_report" ] || { echo "unhealthy: analytica status printed no report"; exit 1; }

# The check object named $2 in report $1 (JSON: each check holds "name",
# "status" and "message").
check_of() { tr -d '\n' <<<"$1" | grep -o "{[^{}]*\"name\": *\"$2\"[^{}]*}" | head -1; }

# Fails unless the checks database and disk of report $2 (from $1) are
# healthy or degraded.
require_sound() {
  local from="$1" report="$2" check obj level
  for check in database disk; do
    obj=$(check_of "$report" "$check")
    level=$(grep -o '"status": *"[a-z]*"' <<<"$obj" | sed 's/.*"\([a-z]*\)"$/\1/')
    case "$level" in
      healthy | degraded) ;;
      "") echo "unhealthy: $from has no '$check' check"; exit 1 ;;
      *) echo "unhealthy: $from: $check $level: $(grep -o '"message": *"[^"]*"' <<<"$obj" | sed 's/^"message": *//')"; exit 1 ;;
    esac
  done
}

[ "$mode" = http ] && require_sound "/health" "$server_report"
require_sound "analytica status" "$status_report"
echo "healthy"
exit 0

#!/usr/bin/env bash
# analytica-healthcheck — the image's HEALTHCHECK: exit 0 when the service
# works, 1 when it does not, with one line saying why.
#
#   analytica-healthcheck              the dashboard answers /health on
#                                      127.0.0.1:$ANALYTICA_PORT (8080) and
#                                      its report finds the store sound
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
  report=${response#*$'\r\n\r\n'}
else
  args=(status --json --no-source-hash)
  [ -n "${ANALYTICA_PIPELINE:-}" ] && args+=(--pipeline "$ANALYTICA_PIPELINE")
  report=$(analytica "${args[@]}" 2>/dev/null)
  [ -n "$report" ] || { echo "unhealthy: analytica status printed no report"; exit 1; }
fi

# The level of one named check in the report (JSON: each check object holds
# "name" and "status").
level() {
  tr -d '\n' <<<"$report" | grep -o "{[^{}]*\"name\": *\"$1\"[^{}]*}" | grep -o '"status": *"[a-z]*"' |
    head -1 | sed 's/.*"\([a-z]*\)"$/\1/'
}

for check in database disk; do
  l=$(level "$check")
  case "$l" in
    healthy | degraded) ;;
    "") echo "unhealthy: the health report has no '$check' check"; exit 1 ;;
    *)
      msg=$(tr -d '\n' <<<"$report" | grep -o "{[^{}]*\"name\": *\"$check\"[^{}]*}" | head -1 |
        grep -o '"message": *"[^"]*"' | sed 's/^"message": *//')
      echo "unhealthy: $check $l: $msg"
      exit 1
      ;;
  esac
done
echo "healthy"
exit 0

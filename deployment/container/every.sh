#!/usr/bin/env bash
# analytica-every — runs a command now and then every INTERVAL seconds, for
# ever (a container's scheduler: compose's `app` and `backup` services).
# A failing run is logged and tried again after ANALYTICA_RETRY_INTERVAL
# seconds (default 300, or SECONDS if shorter: a database still starting, a
# network hiccup), then the schedule goes on; SIGTERM/SIGINT are passed
# to the command in flight (analytica cancels a run cleanly) and stop the
# schedule.
#   analytica-every 86400 analytica run /opt/analytica/share/analytica/pipelines/creb.json
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: analytica-every SECONDS COMMAND [ARG...]" >&2; exit 2; }
interval="$1"
shift
case "$interval" in '' | *[!0-9]*) echo "analytica-every: SECONDS must be a number, not '$interval'" >&2; exit 2 ;; esac

retry="${ANALYTICA_RETRY_INTERVAL:-300}"
case "$retry" in '' | *[!0-9]*) retry=300 ;; esac
[ "$retry" -le "$interval" ] || retry="$interval"

stop=0
sleeper=""
child=""
on_signal() {
  stop=1
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
}
trap on_signal TERM INT

while [ "$stop" -eq 0 ]; do
  echo "analytica-every: $(date -u +%Y-%m-%dT%H:%M:%SZ) running: $*"
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  # A signal interrupts wait: let the command finish, then stop.
  while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
  child=""
  wait_for="$interval"
  [ "$rc" -eq 0 ] || wait_for="$retry"
  echo "analytica-every: $(date -u +%Y-%m-%dT%H:%M:%SZ) exit status $rc; next run in ${wait_for}s"
  [ "$stop" -eq 0 ] || break
  sleep "$wait_for" &
  sleeper=$!
  wait "$sleeper"
  sleeper=""
done
echo "analytica-every: stopped"

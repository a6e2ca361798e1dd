#!/usr/bin/env bash
# analytica-task — the image's services, configured by environment only (so
# compose, or an overlay file, switches the store without touching commands):
#   analytica-task run      analytica run $ANALYTICA_PIPELINE
#   analytica-task serve    the dashboard on 0.0.0.0:$ANALYTICA_PORT (8080)
#   analytica-task backup   a verified backup into $ANALYTICA_BACKUP_DIR
#                           (/backups), keeping $ANALYTICA_BACKUP_KEEP (7)
#   analytica-task status   analytica status of that store
# Extra arguments go to the analytica command. ANALYTICA_PIPELINE defaults to
# the shipped CREB pipeline on the embedded SQLite store; its PostgreSQL twin
# is /opt/analytica/share/analytica/pipelines/creb-postgres.json with
# ANALYTICA_PG_* set.
set -euo pipefail
pipeline="${ANALYTICA_PIPELINE:-/opt/analytica/share/analytica/pipelines/creb.json}"
[ $# -ge 1 ] || { echo "usage: analytica-task run|serve|backup|status [ARG...]" >&2; exit 2; }
task="$1"
shift
case "$task" in
  run) exec analytica run "$pipeline" "$@" ;;
  serve) exec analytica serve --host 0.0.0.0 --port "${ANALYTICA_PORT:-8080}" --pipeline "$pipeline" "$@" ;;
  backup)
    exec analytica backup --to "${ANALYTICA_BACKUP_DIR:-/backups}" --keep "${ANALYTICA_BACKUP_KEEP:-7}" \
      --pipeline "$pipeline" "$@"
    ;;
  status) exec analytica status --pipeline "$pipeline" "$@" ;;
  *) echo "analytica-task: unknown task '$task' (run, serve, backup, status)" >&2; exit 2 ;;
esac

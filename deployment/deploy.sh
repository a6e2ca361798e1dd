#!/usr/bin/env bash
# deploy.sh — one command to deploy Calgary Analytica with compose.yaml, on
# podman (with podman-compose) or docker (with docker compose or
# docker-compose), whichever is present.
#
#   deployment/deploy.sh [start]      check prerequisites, back up the store,
#                                     build the image, (re)start the services,
#                                     verify health; on failure roll back to
#                                     the previous image, then restore the
#                                     backup, and say so (exit 1)
#   deployment/deploy.sh stop         stop and remove the services (volumes stay)
#   deployment/deploy.sh status       the services and `analytica status`
#   deployment/deploy.sh logs [SVC]   the services' logs (app, dashboard, backup)
#   deployment/deploy.sh shell [SVC]  a shell in a service's container (dashboard)
#   deployment/deploy.sh backup       a verified backup into the backups volume now
#   deployment/deploy.sh rollback     the previous image and the backup taken
#                                     before the last deploy, then restart
#
# Settings (environment): ANALYTICA_ENGINE (podman|docker), ANALYTICA_IMAGE
# (localhost/analytica:latest), ANALYTICA_PROJECT (compose project,
# analytica), ANALYTICA_COMPOSE_FILES (more compose files, e.g.
# deployment/compose.postgres.yaml), ANALYTICA_DOCKERFILE (Dockerfile),
# ANALYTICA_DEPLOY_TIMEOUT
# (seconds to wait for health, 180), ANALYTICA_STATE_DIR (where the last
# deploy's backup and previous image are noted, ~/.local/state/analytica-deploy),
# and compose.yaml's own (ANALYTICA_PIPELINE, ANALYTICA_PUBLISH, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source-path=SCRIPTDIR source=engine.sh
. deployment/engine.sh

image="${ANALYTICA_IMAGE:-localhost/analytica:latest}"
export ANALYTICA_IMAGE="$image"
previous="${image%:*}:previous"
project="${ANALYTICA_PROJECT:-analytica}"
dockerfile="${ANALYTICA_DOCKERFILE:-Dockerfile}"
timeout="${ANALYTICA_DEPLOY_TIMEOUT:-180}"
state_dir="${ANALYTICA_STATE_DIR:-${HOME:-/root}/.local/state/analytica-deploy}"
pipeline="${ANALYTICA_PIPELINE:-/opt/analytica/share/analytica/pipelines/creb.json}"
data_volume="${project}_analytica-data"
backup_volume="${project}_analytica-backups"

say() { echo "deploy: $*"; }
die() { echo "deploy: $*" >&2; exit 1; }
elapsed() { echo "$((SECONDS - ${1:-0}))s"; }

# compose.yaml, plus the files in ANALYTICA_COMPOSE_FILES (space-separated,
# e.g. deployment/compose.postgres.yaml).
compose() {
  local files=(-f "$root/compose.yaml") f
  for f in ${ANALYTICA_COMPOSE_FILES:-}; do files+=(-f "$f"); done
  engine_compose -p "$project" "${files[@]}" "$@"
}

# The compose tool engine_compose uses.
compose_tool() {
  if [ "$ENGINE" = podman ] && command -v podman-compose >/dev/null; then echo podman-compose
  elif [ "$ENGINE" = docker ] && docker compose version >/dev/null 2>&1; then echo "docker compose"
  else echo docker-compose; fi
}

# The container of a compose service (running or not), or nothing.
container_of() {
  "$ENGINE" ps -a -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" | head -1
}

# compose down, then removes what it left (a container caught restarting).
take_down() {
  compose down >/dev/null 2>&1 || true
  "$ENGINE" ps -a -q --filter "label=com.docker.compose.project=$project" | xargs -r "$ENGINE" rm -f >/dev/null 2>&1 || true
}

image_id() { "$ENGINE" image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# Runs analytica in a throwaway container of IMAGE on the data and backups
# volumes (what a stopped deployment still has).
run_once() {
  local img="$1"
  shift
  "$ENGINE" run --rm --no-healthcheck -v "$data_volume:/data" -v "$backup_volume:/backups" \
    -e ANALYTICA_PIPELINE="$pipeline" -e ANALYTICA_PG_HOST -e ANALYTICA_PG_PORT -e ANALYTICA_PG_DBNAME \
    -e ANALYTICA_PG_USER -e ANALYTICA_PG_PASSWORD -e ANALYTICA_PG_SSLMODE -e ANALYTICA_PG_CONNINFO \
    "$img" "$@"
}

check_prerequisites() {
  engine_detect || die "neither podman nor a running docker was found: install podman (deployment/install-deps.sh) or start dockerd"
  case "$ENGINE" in
    podman) command -v podman-compose >/dev/null || die "podman-compose is not installed (apt-get install podman-compose)" ;;
    docker) docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null ||
      die "neither 'docker compose' nor docker-compose is installed" ;;
  esac
  command -v curl >/dev/null || die "curl is not installed"
  [ -f "$dockerfile" ] || die "no $dockerfile in $root"
  # No registry reachable: make the base image locally.
  if ! "$ENGINE" image inspect debian:12 >/dev/null 2>&1 && ! "$ENGINE" image inspect localhost/debian:12 >/dev/null 2>&1; then
    say "base image debian:12 missing: making it with debootstrap"
    deployment/base-image.sh || die "cannot make the base image debian:12 (pull it, or install debootstrap)"
  fi
  # Services reach each other by name (dashboard -> postgres): podman's CNI
  # networks need the dnsname plugin for that.
  if [ "$ENGINE" = podman ] && [ -n "${ANALYTICA_COMPOSE_FILES:-}" ] &&
    [ "$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null)" = cni ] &&
    [ ! -x /usr/lib/cni/dnsname ] && [ ! -x /usr/libexec/cni/dnsname ]; then
    die "podman's CNI networks resolve no service names: apt-get install golang-github-containernetworking-plugin-dnsname"
  fi
  local free_kb
  free_kb=$(df -Pk "$root" | awk 'NR == 2 {print $4}')
  [ "${free_kb:-0}" -gt 1048576 ] || die "less than 1 GB free on $root"
  mkdir -p "$state_dir"
  say "prerequisites ok ($ENGINE, $(compose_tool))"
}

# A verified backup of the store into the backups volume, with the running
# app container if there is one, else a throwaway container of IMAGE.
# Prints the backup's file name; nothing (and success) when there is no
# store yet.
backup_store() {
  local img="$1" cnt out
  cnt=$(container_of app)
  if [ -n "$cnt" ] && [ "$("$ENGINE" inspect -f '{{.State.Running}}' "$cnt")" = true ]; then
    out=$("$ENGINE" exec "$cnt" analytica-task backup --json 2>&1) || {
      echo "$out" >&2
      return 1
    }
  elif "$ENGINE" volume inspect "$data_volume" >/dev/null 2>&1 && [ -n "$(image_id "$img")" ]; then
    out=$(run_once "$img" backup --to /backups --keep "${ANALYTICA_BACKUP_KEEP:-7}" --pipeline "$pipeline" --json 2>&1) || {
      if grep -q "no database yet" <<<"$out"; then return 0; fi
      echo "$out" >&2
      return 1
    }
  else
    return 0
  fi
  sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' <<<"$out" | head -1
}

# Where the dashboard is published (compose.yaml's ANALYTICA_PUBLISH), as
# an address to connect to.
published() {
  local p="${ANALYTICA_PUBLISH:-127.0.0.1:8080}"
  case "$p" in
    *:*) ;;
    *) p="127.0.0.1:$p" ;;
  esac
  p="${p/#0.0.0.0:/127.0.0.1:}"
  echo "${p/#\[::\]:/127.0.0.1:}"
}

# Waits until the deployment is healthy: every service runs, the dashboard's
# HEALTHCHECK passes, /health answers on the published port, `analytica
# status` runs in the app container and finds the store sound.
verify() {
  local deadline=$((SECONDS + timeout)) svc cnt state port code dash app out line
  while :; do
    local problem=""
    for svc in app dashboard backup; do
      cnt=$(container_of "$svc")
      state=$([ -n "$cnt" ] && "$ENGINE" inspect -f '{{.State.Status}}' "$cnt" 2>/dev/null || echo missing)
      if [ "$state" != running ]; then
        problem="service $svc is $state"
        # A container that already exited (or keeps restarting) will not get better.
        if [ "$state" != created ] && [ "$state" != missing ]; then
          if [ $((SECONDS + timeout - deadline)) -gt 10 ]; then
            say "$problem: $("$ENGINE" logs --tail 3 "$cnt" 2>&1 | tr '\n' ' ')"
            return 1
          fi
        fi
        break
      fi
    done
    if [ -z "$problem" ]; then
      dash=$(container_of dashboard)
      app=$(container_of app)
      if ! out=$(engine_health "$dash" 2>&1); then
        problem="the dashboard's HEALTHCHECK fails ${out:+($out)}"
      else
        port=$(published)
        code=$(curl -s -o /dev/null -m 10 -w '%{http_code}' "http://$port/health" || true)
        if [ "$code" != 200 ] && [ "$code" != 503 ]; then
          problem="/health on $port answered ${code:-nothing}"
        else
          # Exit status 1 (degraded) or 2 (failing: stale data, say) still
          # means it ran; the store's own check must pass.
          out=$("$ENGINE" exec "$app" analytica-task status --no-source-hash 2>&1) || true
        fi
        if [ -n "$problem" ]; then
          :
        elif [ -z "$out" ]; then
          problem="analytica status printed nothing in the app container"
        elif ! grep -Eq '^ +ok +database' <<<"$out"; then
          problem="analytica status: $(grep -m1 database <<<"$out" || echo "$out" | head -1)"
        else
          say "healthy: HEALTHCHECK ok, /health on $port answered $code, status in the app container:"
          while IFS= read -r line; do echo "    $line"; done <<<"$out"
          return 0
        fi
      fi
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not healthy after ${timeout}s: $problem"
      return 1
    fi
    sleep 3
  done
}

# Back to the image before the last deploy, then the backup taken before it.
roll_back() {
  local backup_file="$1" t0=$SECONDS
  say "rolling back"
  take_down
  if [ -n "$(image_id "$previous")" ]; then
    "$ENGINE" tag "$previous" "$image"
    say "image: back to the previous one ($(image_id "$image" | cut -c1-19))"
  else
    say "no previous image: the services stay stopped"
    return 1
  fi
  if [ -n "$backup_file" ]; then
    say "store: restoring /backups/$backup_file"
    run_once "$image" restore "/backups/$backup_file" --pipeline "$pipeline" || {
      say "the restore failed (the store is as the failed deploy left it)"
      return 1
    }
  fi
  compose up -d >"$state_dir/up.log" 2>&1 || cat "$state_dir/up.log" >&2
  if verify; then
    say "rolled back in $(elapsed "$t0")"
    return 0
  fi
  say "the previous deployment is not healthy either"
  return 1
}

cmd_start() {
  local t0=$SECONDS backup_file old_id
  check_prerequisites
  old_id=$(image_id "$image")

  backup_file=""
  if [ -n "$old_id" ]; then
    backup_file=$(backup_store "$image") || die "the backup before deploying failed: not deploying"
    if [ -n "$backup_file" ]; then say "store backed up: /backups/$backup_file (volume $backup_volume)"; else say "no store yet: nothing to back up"; fi
    "$ENGINE" tag "$image" "$previous"
  fi
  printf 'backup=%s\nprevious=%s\n' "$backup_file" "$old_id" >"$state_dir/last-deploy"

  local tb=$SECONDS
  say "building $image"
  if [ "$ENGINE" = podman ]; then export BUILDAH_FORMAT=docker; else export DOCKER_BUILDKIT=1; fi
  engine_build "$image" . -f "$dockerfile" >"$state_dir/build.log" 2>&1 || {
    tail -20 "$state_dir/build.log" >&2
    die "the image build failed (log: $state_dir/build.log); the running services are unchanged"
  }
  say "built $image in $(elapsed "$tb")"

  say "starting the services"
  take_down
  compose up -d >"$state_dir/up.log" 2>&1 || {
    cat "$state_dir/up.log" >&2
    say "compose up failed"
  }
  if verify; then
    say "deployed in $(elapsed "$t0")"
    return 0
  fi
  if [ -z "$old_id" ]; then
    die "the first deployment is not healthy and there is nothing to roll back to (see: deployment/deploy.sh logs)"
  fi
  roll_back "$backup_file" || die "ROLLBACK FAILED: see deployment/deploy.sh logs"
  say "deploy FAILED and was rolled back (total $(elapsed "$t0"))"
  exit 1
}

cmd_rollback() {
  engine_detect || die "neither podman nor docker was found"
  local backup_file=""
  if [ -r "$state_dir/last-deploy" ]; then
    backup_file=$(sed -n 's/^backup=//p' "$state_dir/last-deploy")
  fi
  roll_back "$backup_file" || die "rollback failed"
}

cmd_backup() {
  engine_detect || die "neither podman nor docker was found"
  local f
  f=$(backup_store "$image") || die "backup failed"
  [ -n "$f" ] || die "no store yet: nothing to back up"
  say "backed up: /backups/$f (volume $backup_volume)"
}

cmd_status() {
  engine_detect || die "neither podman nor docker was found"
  compose ps
  local cnt
  cnt=$(container_of app)
  if [ -n "$cnt" ] && [ "$("$ENGINE" inspect -f '{{.State.Running}}' "$cnt")" = true ]; then
    "$ENGINE" exec "$cnt" analytica-task status
  else
    say "the app service is not running"
    return 1
  fi
}

main() {
  local cmd="${1:-start}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    start) cmd_start ;;
    stop) engine_detect || die "neither podman nor docker was found"; take_down; say "stopped" ;;
    status) cmd_status ;;
    logs) engine_detect || die "neither podman nor docker was found"; compose logs "$@" ;;
    shell)
      engine_detect || die "neither podman nor docker was found"
      local cnt
      cnt=$(container_of "${1:-dashboard}")
      [ -n "$cnt" ] || die "no container for service ${1:-dashboard}"
      "$ENGINE" exec -it "$cnt" /bin/bash
      ;;
    backup) cmd_backup ;;
    rollback) cmd_rollback ;;
    -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (start, stop, status, logs, shell, backup, rollback)" ;;
  esac
}

main "$@"

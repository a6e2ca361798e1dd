#!/usr/bin/env bash
# engine.sh — sourced by the deployment scripts: picks the container engine
# (podman or docker) and, for podman on a machine like the CI sandbox (no
# CAP_SYS_RESOURCE, hybrid cgroups), a containers.conf that makes it work:
# runc instead of crun, cgroupfs, and ulimits the sandbox allows.
#
#   . deployment/engine.sh
#   engine_detect            # sets ENGINE (podman|docker) or returns 1
#   "$ENGINE" build ...      # (or the engine_* helpers below)
#
# ANALYTICA_ENGINE=podman|docker forces one. A CONTAINERS_CONF already set is
# left alone.

# Writes a containers.conf for this machine and exports CONTAINERS_CONF.
engine_podman_conf() {
  [ -n "${CONTAINERS_CONF:-}" ] && return 0
  command -v runc >/dev/null 2>&1 || return 0
  local dir="${TMPDIR:-/tmp}" n
  n=$(ulimit -Hn)
  [ "$n" = unlimited ] && n=1048576
  CONTAINERS_CONF="$dir/analytica-containers-$(id -u).conf"
  cat >"$CONTAINERS_CONF.tmp" <<CONF
[containers]
default_ulimits = ["nofile=$n:$n", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
  export CONTAINERS_CONF
}

# Sets ENGINE to the engine present (podman first), or returns 1.
engine_detect() {
  local want="${ANALYTICA_ENGINE:-}"
  if [ -z "$want" ]; then
    if command -v podman >/dev/null 2>&1; then
      want=podman
    elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
      want=docker
    else
      return 1
    fi
  fi
  command -v "$want" >/dev/null 2>&1 || return 1
  ENGINE="$want"
  export ENGINE
  if [ "$ENGINE" = podman ]; then
    engine_podman_conf
  fi
  return 0
}

# engine_build TAG CONTEXT [extra build args...]: builds with the Docker
# image format (podman's default OCI format drops HEALTHCHECK).
engine_build() {
  local tag="$1" context="$2"
  shift 2
  if [ "$ENGINE" = podman ]; then
    podman build --format docker --layers -t "$tag" "$@" "$context"
  else
    docker build -t "$tag" "$@" "$context"
  fi
}

# engine_health NAME: runs the container's HEALTHCHECK now; 0 when healthy.
# podman runs it on demand; docker only on its timer, so wait for a verdict.
engine_health() {
  local name="$1" state i
  if [ "$ENGINE" = podman ]; then
    podman healthcheck run "$name" >/dev/null 2>&1
    return
  fi
  for i in $(seq 1 60); do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$name" 2>/dev/null || echo missing)
    case "$state" in
      healthy) return 0 ;;
      unhealthy | missing) return 1 ;;
    esac
    [ "$i" -lt 60 ] && sleep 2
  done
  return 1
}

# engine_compose ARGS...: podman-compose, docker compose or docker-compose.
engine_compose() {
  if [ "$ENGINE" = podman ] && command -v podman-compose >/dev/null 2>&1; then
    podman-compose "$@"
  elif [ "$ENGINE" = docker ] && docker compose version >/dev/null 2>&1; then
    docker compose "$@"
  elif command -v docker-compose >/dev/null 2>&1; then
    docker-compose "$@"
  else
    echo "no compose tool found (install podman-compose or docker-compose)" >&2
    return 127
  fi
}

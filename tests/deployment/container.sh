#!/usr/bin/env bash
# The production image tested for real with podman (runc, --format docker,
# the ulimits this sandbox allows — deployment/engine.sh):
#   1. the local base image debian:12 (debootstrap from this machine's apt
#      mirror) if missing; the image built with layer caching
#   2. the image: user analytica (uid 10001), HEALTHCHECK kept, EXPOSE 8080,
#      every library of the host and plugins resolves, its runtime package
#      list is what ldd derives, no compiler in it
#   3. as the non-root user on a volume: ingest generated reports, skip them
#      the second time, `status`, `serve` on a published loopback port:
#      /health, the HEALTHCHECK (healthy with stale data, unhealthy with a
#      broken store), persistence across a restart, backup and restore
#   4. compose.yaml up (app ingests, dashboard healthy, backup made) and down
#   5. deployment/deploy.sh once to success, once with a deliberately broken
#      image: rolled back to the previous image, then the backup restored
# Prints the timings (base image, build, deploy, rollback) and the image size.
# Usage: container.sh REPO_ROOT CREB_SYNTH. Exit 77 (skipped) only when podman
# cannot be installed. ANALYTICA_TEST_IMAGE=IMAGE skips the build (to work on
# this script with an image built already).
set -euo pipefail
repo="$1" synth="$2"
cd "$repo"

say() { echo "== $*"; }
ok() { echo "  ok  $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
stamp() { echo "$SECONDS"; }
took() { echo "$((SECONDS - $1))s"; }

# ------------------------------------------------------------------ tools
need=()
for t in podman runc podman-compose debootstrap curl sqlite3; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
  say "installing: ${need[*]}"
  pkgs=(podman runc podman-compose debootstrap containernetworking-plugins iptables curl sqlite3)
  if [ "$(id -u)" -ne 0 ] || ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }; then
    if ! command -v podman >/dev/null; then
      echo "SKIPPED: podman is not installed and cannot be installed here (need root and apt: ${pkgs[*]})"
      exit 77
    fi
  fi
  for t in podman runc podman-compose debootstrap curl; do command -v "$t" >/dev/null || fail "$t is missing after installing"; done
fi
export ANALYTICA_ENGINE=podman
# shellcheck source-path=SCRIPTDIR source=../../deployment/engine.sh
. deployment/engine.sh
engine_detect || fail "podman not usable"
echo "podman $(podman version -f '{{.Client.Version}}'), CONTAINERS_CONF=${CONTAINERS_CONF:-}"

image=localhost/analytica:test
run_id="at$$"
tmp=$(mktemp -d)
chmod 755 "$tmp"
containers=()
volumes=()
cleanup() {
  set +e
  for c in "${containers[@]}"; do podman rm -f -t 2 "$c" >/dev/null 2>&1; done
  if [ -n "${compose_project:-}" ]; then
    podman-compose -p "$compose_project" -f "$repo/compose.yaml" down >/dev/null 2>&1
  fi
  if [ -n "${deploy_project:-}" ]; then
    ANALYTICA_PROJECT="$deploy_project" ANALYTICA_IMAGE="$deploy_image" ANALYTICA_STATE_DIR="$tmp/state" \
      "$repo/deployment/deploy.sh" stop >/dev/null 2>&1
    podman rmi -f "$deploy_image" "${deploy_image%:*}:previous" "${deploy_image%:*}:broken" >/dev/null 2>&1
  fi
  for v in "${volumes[@]}"; do podman volume rm -f "$v" >/dev/null 2>&1; done
  for p in "${compose_project:-}" "${deploy_project:-}"; do
    [ -n "$p" ] || continue
    podman volume ls -q --filter "label=com.docker.compose.project=$p" | xargs -r podman volume rm -f >/dev/null 2>&1
    podman pod rm -f "pod_$p" >/dev/null 2>&1
    podman network ls -q --filter "label=com.docker.compose.project=$p" | xargs -r podman network rm -f >/dev/null 2>&1
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits (up to $2 s, default 60) until /health on port $1 answers; prints the code.
wait_health() {
  local port="$1" limit="${2:-60}" code="" i
  for ((i = 0; i < limit * 2; i++)); do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
    if [ "$code" = 200 ] || [ "$code" = 503 ]; then echo "$code"; return 0; fi
    sleep 0.5
  done
  echo "${code:-none}"
  return 1
}

# Reports for the three most recent months (fresh data), as demo.sh makes them.
inbox="$tmp/inbox"
months="$(date -d "$(date +%Y-%m-15) -3 month" +%Y-%m)..$(date -d "$(date +%Y-%m-15) -1 month" +%Y-%m)"
"$synth" --quiet --out "$inbox" --months "$months"
old_inbox="$tmp/old-inbox"
"$synth" --quiet --out "$old_inbox" --months 2020-01..2020-02
chmod -R a+rX "$inbox" "$old_inbox"

# ------------------------------------------------------------ 1. the image
t=$(stamp)
deployment/base-image.sh
base_time=$(took "$t")
ok "base image debian:12 ($(podman image inspect -f '{{.Size}}' localhost/debian:12 | awk '{printf "%d MB", $1 / 1e6}'); $base_time)"

t=$(stamp)
if [ -n "${ANALYTICA_TEST_IMAGE:-}" ]; then
  # For working on this script: an image built already (deploy.sh then
  # builds FROM it instead of from the Dockerfile).
  podman tag "$ANALYTICA_TEST_IMAGE" "$image"
else
  engine_build "$image" . >"$tmp/build.log" 2>&1 || { tail -40 "$tmp/build.log"; fail "image build"; }
fi
build_time=$(took "$t")
size=$(podman image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}')
ok "image built in $build_time ($size)"

# ------------------------------------------------------------ 2. its shape
[ "$(podman image inspect -f '{{.Config.User}}' "$image")" = analytica:analytica ] || fail "image user is not analytica"
podman image inspect -f '{{.Config.Healthcheck.Test}}' "$image" | grep -q analytica-healthcheck ||
  fail "HEALTHCHECK lost (build with --format docker)"
podman image inspect -f '{{.Config.ExposedPorts}}' "$image" | grep -q 8080 || fail "8080 not exposed"
uid=$(podman run --rm --no-healthcheck --entrypoint id "$image" -u)
[ "$uid" = 10001 ] || fail "runs as uid $uid"
owner=$(podman run --rm --no-healthcheck --entrypoint stat "$image" -c %u:%U /data)
[ "$owner" = 10001:analytica ] || fail "/data is owned by $owner"
ok "user analytica (uid 10001) owns /data; HEALTHCHECK and EXPOSE 8080 kept"

missing=$(podman run --rm --no-healthcheck --entrypoint /bin/bash "$image" -c \
  'for f in /opt/analytica/bin/analytica /opt/analytica/lib/analytica/plugins/*.so; do ldd "$f" | sed "s|^|$f: |"; done | grep "not found" || true')
[ -z "$missing" ] || fail "libraries missing in the image: $missing"
derived=$(podman run --rm --no-healthcheck --entrypoint /bin/bash -v "$repo/deployment/runtime-packages.sh:/tmp/runtime-packages.sh:ro,z" \
  "$image" -c '/tmp/runtime-packages.sh /opt/analytica/bin/analytica /opt/analytica/lib/analytica/plugins/*.so')
listed=$(podman run --rm --no-healthcheck --entrypoint cat "$image" /opt/analytica/share/analytica/runtime-packages.txt)
[ "$derived" = "$listed" ] || fail "runtime packages differ from what ldd derives: $(diff <(echo "$listed") <(echo "$derived") | tr '\n' ' ')"
not_installed=$(podman run --rm --no-healthcheck --entrypoint /bin/bash "$image" -c \
  'for p in $(cat /opt/analytica/share/analytica/runtime-packages.txt); do dpkg-query -W -f="\${Status}\n" "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done')
[ -z "$not_installed" ] || fail "listed but not installed: $not_installed"
podman run --rm --no-healthcheck --entrypoint /bin/bash "$image" -c 'command -v g++ || command -v cmake || command -v make' >/dev/null &&
  fail "build tools in the runtime image"
podman run --rm --no-healthcheck --entrypoint /bin/bash "$image" -c '[ -z "$(ls /var/lib/apt/lists | grep -v -e ^lock$ -e ^partial$)" ]' ||
  fail "apt lists left in the image"
podman run --rm --no-healthcheck "$image" --version >/dev/null || fail "analytica --version fails in the image"
ok "every library resolves; $(wc -l <<<"$listed") runtime packages = ldd's list, all installed; no compiler, no apt lists"

# ------------------------------------------------- 3. run it as analytica
vol="$run_id-data"
volumes+=("$vol")
podman volume create "$vol" >/dev/null
pipeline=/opt/analytica/share/analytica/pipelines/creb.json
podman run --rm --no-healthcheck -v "$vol:/data" -v "$inbox:/in:ro,z" --entrypoint /bin/cp "$image" -r /in/. /data/inbox/ 2>/dev/null ||
  podman run --rm --no-healthcheck -v "$vol:/data" -v "$inbox:/in:ro,z" --entrypoint /bin/bash "$image" -c 'mkdir -p /data/inbox && cp /in/* /data/inbox/'
out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" run "$pipeline" 2>&1) || fail "ingest: $out"
grep -q "3 ingested" <<<"$out" || fail "ingest did not ingest 3 reports: $out"
out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" run "$pipeline" 2>&1) || fail "second ingest: $out"
grep -q "0 ingested, 3 unchanged" <<<"$out" || fail "second ingest did not skip: $out"
ok "ingest as analytica: 3 reports, then 3 unchanged"
status_out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" status 2>&1) || fail "status is not healthy: $status_out"
ok "status: $(head -1 <<<"$status_out")"

port=$(free_port)
serve="$run_id-serve"
containers+=("$serve")
podman run -d --name "$serve" -p "127.0.0.1:$port:8080" -v "$vol:/data" "$image" >/dev/null 2>"$tmp/run.err" ||
  fail "serve: $(cat "$tmp/run.err")"
code=$(wait_health "$port" 60) || fail "/health on 127.0.0.1:$port: $code ($(podman logs "$serve" 2>&1 | tail -3))"
[ "$code" = 200 ] || fail "/health answered $code"
curl -sf "http://127.0.0.1:$port/" >/dev/null || fail "the overview page does not answer"
podman healthcheck run "$serve" >/dev/null || fail "HEALTHCHECK fails on a working server"
ok "serve (default command) on a published loopback port: /health 200, HEALTHCHECK healthy"

podman stop -t 5 "$serve" >/dev/null 2>&1
podman start "$serve" >/dev/null 2>&1
wait_health "$port" 60 >/dev/null || fail "no /health after a restart"
out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" run "$pipeline" 2>&1)
grep -q "0 ingested, 3 unchanged" <<<"$out" || fail "data lost across a restart: $out"
podman healthcheck run "$serve" >/dev/null || fail "HEALTHCHECK fails after a restart"
ok "persistence across a restart (store kept, nothing re-ingested)"

# A backup and a restore inside the container, as analytica.
out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" backup --keep 3 --json 2>&1) || fail "backup in the container: $out"
bfile=$(sed -n 's/^  "path": "\(.*\)",\{0,1\}$/\1/p' <<<"$out")
out=$(podman run --rm --no-healthcheck -v "$vol:/data" "$image" restore "$bfile" 2>&1) || fail "restore in the container: $out"
ok "backup and restore in the container ($(basename "$bfile"))"

# Stale data: status says failing, the container stays healthy.
vol_old="$run_id-old"
volumes+=("$vol_old")
podman volume create "$vol_old" >/dev/null
podman run --rm --no-healthcheck -v "$vol_old:/data" -v "$old_inbox:/in:ro,z" --entrypoint /bin/bash "$image" -c 'mkdir -p /data/inbox && cp /in/* /data/inbox/'
podman run --rm --no-healthcheck -v "$vol_old:/data" "$image" run "$pipeline" >/dev/null 2>&1 || fail "ingest of old reports"
set +e
podman run --rm --no-healthcheck -v "$vol_old:/data" "$image" status >/dev/null 2>&1
st=$?
set -e
[ "$st" = 2 ] || fail "status with 2020 data exits $st, not 2 (failing: stale)"
stale="$run_id-stale"
containers+=("$stale")
port_old=$(free_port)
podman run -d --name "$stale" -p "127.0.0.1:$port_old:8080" -v "$vol_old:/data" "$image" >/dev/null 2>"$tmp/run.err" ||
  fail "serve: $(cat "$tmp/run.err")"
code=$(wait_health "$port_old" 60) || fail "stale server does not answer"
podman healthcheck run "$stale" >/dev/null || fail "stale data made the container unhealthy (/health $code)"
ok "stale data: status exits 2, /health $code, the container stays healthy"

# A broken store: unhealthy.
podman run --rm --no-healthcheck -v "$vol_old:/data" --entrypoint /bin/bash "$image" -c \
  'rm -f /data/analytica.db-wal /data/analytica.db-shm; head -c 8192 /dev/urandom > /data/analytica.db'
if out=$(podman healthcheck run "$stale" 2>&1); then fail "a broken store still reads healthy"; fi
ok "a broken store: HEALTHCHECK unhealthy"
podman rm -f -t 2 "$stale" "$serve" >/dev/null 2>&1

# ------------------------------------------------------------ 4. compose
compose_project="$run_id"c
export ANALYTICA_IMAGE="$image" ANALYTICA_INBOX="$inbox" ANALYTICA_RUN_INTERVAL=3600 ANALYTICA_BACKUP_INTERVAL=3600
cport=$(free_port)
export ANALYTICA_PUBLISH="127.0.0.1:$cport"
t=$(stamp)
podman-compose -p "$compose_project" -f compose.yaml up -d >"$tmp/compose-up.log" 2>&1 || { cat "$tmp/compose-up.log"; fail "compose up"; }
code=$(wait_health "$cport" 120) || fail "compose dashboard /health: $code"
cnt_of() { podman ps -a -q --filter "label=com.docker.compose.project=$compose_project" --filter "label=com.docker.compose.service=$1" | head -1; }
for _ in $(seq 1 60); do
  podman exec "$(cnt_of app)" analytica status --no-source-hash >/dev/null 2>&1 && break
  sleep 2
done
out=$(podman exec "$(cnt_of app)" analytica status --no-source-hash 2>&1) || fail "app: status after the first run: $out"
for _ in $(seq 1 30); do
  podman exec "$(cnt_of backup)" ls /backups 2>/dev/null | grep -q '\.db\.json$' && break
  sleep 2
done
podman exec "$(cnt_of backup)" ls /backups | grep -q '\.db\.json$' || fail "the backup service made no backup: $(podman logs "$(cnt_of backup)" 2>&1 | tail -5)"
ok=0
for _ in $(seq 1 20); do podman healthcheck run "$(cnt_of dashboard)" >/dev/null 2>&1 && { ok=1; break; }; sleep 2; done
[ "$ok" = 1 ] || fail "compose dashboard HEALTHCHECK"
podman healthcheck run "$(cnt_of app)" >/dev/null || fail "compose app healthcheck (--store-only)"
[ "$(podman exec "$(cnt_of dashboard)" id -u)" = 10001 ] || fail "compose services not as analytica"
compose_up_time=$(took "$t")
podman-compose -p "$compose_project" -f compose.yaml down >/dev/null 2>&1 || fail "compose down"
[ -z "$(podman ps -a -q --filter "label=com.docker.compose.project=$compose_project")" ] || fail "containers left after down"
podman volume ls -q --filter "label=com.docker.compose.project=$compose_project" | xargs -r podman volume rm -f >/dev/null
unset ANALYTICA_IMAGE ANALYTICA_PUBLISH
ok "compose: app ingested, dashboard healthy on 127.0.0.1:$cport, backup made; down removes the containers ($compose_up_time)"

# ---------------------------------------------------------- 5. deploy.sh
deploy_project="$run_id"d
deploy_image=localhost/analytica-deploytest:latest
dport=$(free_port)
export ANALYTICA_PROJECT="$deploy_project" ANALYTICA_IMAGE="$deploy_image" ANALYTICA_STATE_DIR="$tmp/state" \
  ANALYTICA_PUBLISH="127.0.0.1:$dport" ANALYTICA_DEPLOY_TIMEOUT=150
if [ -n "${ANALYTICA_TEST_IMAGE:-}" ]; then
  printf 'FROM %s\n' "$image" >"$tmp/Dockerfile.prebuilt"
  export ANALYTICA_DOCKERFILE="$tmp/Dockerfile.prebuilt"
fi
t=$(stamp)
deployment/deploy.sh start >"$tmp/deploy1.log" 2>&1 || { cat "$tmp/deploy1.log"; fail "deploy.sh start (first)"; }
deploy_time=$(took "$t")
grep -q "deploy: deployed" "$tmp/deploy1.log" || { cat "$tmp/deploy1.log"; fail "deploy did not say deployed"; }
ok "deploy.sh start: first deployment healthy ($deploy_time)"
deployment/deploy.sh status >"$tmp/status.log" 2>&1 || { cat "$tmp/status.log"; fail "deploy.sh status"; }
deployment/deploy.sh backup >"$tmp/backup.log" 2>&1 || { cat "$tmp/backup.log"; fail "deploy.sh backup"; }
made=$(sed -n 's|^deploy: backed up: /backups/\([^ ]*\) .*|\1|p' "$tmp/backup.log")
[ -n "$made" ] || { cat "$tmp/backup.log"; fail "deploy.sh backup named no file"; }
podman volume inspect "${deploy_project}_analytica-backups" >/dev/null 2>&1 || fail "no backups volume"
podman run --rm --no-healthcheck -v "${deploy_project}_analytica-backups:/backups" --entrypoint ls "$image" /backups |
  grep -qx "$made" || fail "$made is not in the backups volume"
deployment/deploy.sh logs app >/dev/null 2>&1 || fail "deploy.sh logs"
ok "deploy.sh status, backup, logs"

t=$(stamp)
deployment/deploy.sh start >"$tmp/deploy2.log" 2>&1 || { cat "$tmp/deploy2.log"; fail "deploy.sh start (again)"; }
redeploy_time=$(took "$t")
grep -q "store backed up" "$tmp/deploy2.log" || { cat "$tmp/deploy2.log"; fail "redeploy took no backup"; }
good_id=$(podman image inspect -f '{{.Id}}' "$deploy_image")
ok "redeploy: backed up, rebuilt (cached), healthy ($redeploy_time)"

# A deliberately broken image: a library the host links removed (the bug of
# issue 13 was a missing one), so every command exits 127.
cat >"$tmp/Dockerfile.broken" <<EOF
FROM $deploy_image
USER root
RUN rm -f /usr/lib/x86_64-linux-gnu/libboost_program_options.so*
USER analytica
EOF
dcnt() { podman ps -a -q --filter "label=com.docker.compose.project=$deploy_project" --filter "label=com.docker.compose.service=$1" | head -1; }
t=$(stamp)
if ANALYTICA_DOCKERFILE="$tmp/Dockerfile.broken" ANALYTICA_DEPLOY_TIMEOUT=60 deployment/deploy.sh start >"$tmp/deploy3.log" 2>&1; then
  cat "$tmp/deploy3.log"
  fail "deploy of a broken image succeeded"
fi
rollback_time=$(took "$t")
sed 's/^/    | /' "$tmp/deploy3.log"
img_line=$(grep -n "image: back to the previous one" "$tmp/deploy3.log" | cut -d: -f1)
restore_line=$(grep -n "store: restoring" "$tmp/deploy3.log" | cut -d: -f1)
{ [ -n "$img_line" ] && [ -n "$restore_line" ]; } || fail "no rollback of image and store in the log"
[ "$img_line" -lt "$restore_line" ] || fail "the store was restored before the image was rolled back"
grep -q "rolled back in" "$tmp/deploy3.log" || fail "the rollback did not end healthy"
[ "$(podman image inspect -f '{{.Id}}' "$deploy_image")" = "$good_id" ] || fail "the image is not the previous one"
podman exec "$(dcnt backup)" ls /backups | grep -q '^pre-restore-' || fail "no safety copy from the restore"
out=$(podman exec "$(dcnt app)" analytica run "$pipeline" 2>&1) || fail "run after the rollback: $out"
grep -q "0 ingested, 3 unchanged" <<<"$out" || fail "the restored store lost the ingested reports: $out"
podman healthcheck run "$(dcnt dashboard)" >/dev/null || fail "dashboard not healthy after the rollback"
ok "broken image: rolled back to the previous image, then the backup restored; healthy again ($rollback_time)"

deployment/deploy.sh stop >/dev/null 2>&1 || fail "deploy.sh stop"
[ -z "$(podman ps -q --filter "label=com.docker.compose.project=$deploy_project")" ] || fail "containers left after stop"
ok "deploy.sh stop"

echo
echo "container: all passed"
echo "timings: base image $base_time, image build $build_time ($size), compose up+checks $compose_up_time," \
  "first deploy $deploy_time, redeploy $redeploy_time, failed deploy with rollback $rollback_time"

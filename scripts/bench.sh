#!/usr/bin/env bash
# `make bench`: the same load generator (examples/load) against Portcullis with
# the embedded store, Portcullis with Redis, and node-oidc-provider configured
# like ours; then one side-by-side table. Servers run on BENCH_SERVER_CPUS, the
# driver on BENCH_DRIVER_CPUS (taskset). node-oidc-provider and npm `argon2` are
# installed into BENCH_NODE_DIR, outside the source tree. Every load runs for a
# fixed time against 127.0.0.1 only; everything started here is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CARGO=${CARGO:-cargo}
SECS=${BENCH_SECONDS:-15}
WARMUP=${BENCH_WARMUP:-2}
BROWSERS=${BENCH_BROWSERS:-32}
TOTP_USERS=${BENCH_TOTP_USERS:-600}
WORK=${BENCH_DIR:-/tmp/portcullis-bench}
NODE_DIR=${BENCH_NODE_DIR:-/tmp/portcullis-bench-node}
PORT=${BENCH_PORT:-18080}
NODE_PORT=${BENCH_NODE_PORT:-18081}
REDIS_PORT=${BENCH_REDIS_PORT:-18082}
SCENARIOS=${BENCH_SCENARIOS:-metadata sso password totp refresh}
NODE_SCENARIOS=${BENCH_NODE_SCENARIOS:-metadata sso password refresh}
# The same flows with ES256 ID tokens on both sides (the signature is most of an
# RS256 SSO hit).
ES256_SCENARIOS=${BENCH_ES256_SCENARIOS:-sso refresh}
# Password runs per Portcullis server: the hash timed alone drifts by more
# than the target's 10% from one minute to the next on a shared machine, so
# the report gives each run against its own timings and their median.
PASSWORD_RUNS=${BENCH_PASSWORD_RUNS:-3}
OIDC_PROVIDER=${BENCH_OIDC_PROVIDER:-oidc-provider@9.13.3}
NODE_ARGON2=${BENCH_NODE_ARGON2:-argon2@0.45.1}
REDIRECT=http://127.0.0.1:9/callback
if [ "$(nproc)" -ge 2 ]; then
    SERVER_CPUS=${BENCH_SERVER_CPUS:-0}
    DRIVER_CPUS=${BENCH_DRIVER_CPUS:-1}
else
    SERVER_CPUS=${BENCH_SERVER_CPUS:-0}
    DRIVER_CPUS=${BENCH_DRIVER_CPUS:-0}
fi

case "$WORK" in "$ROOT"*) echo "bench: BENCH_DIR must be outside the source tree" >&2; exit 1 ;; esac
case "$NODE_DIR" in "$ROOT"*) echo "bench: BENCH_NODE_DIR must be outside the source tree" >&2; exit 1 ;; esac
for tool in taskset jq curl redis-server node npm; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

stop() { # pid
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

wait_http() { # url, what
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: $2 did not answer at $1" >&2
    exit 1
}

# The production profile (release with link-time optimisation), as the
# container image ships it; BENCH_PROFILE=release measures `make run`'s build.
PROFILE=${BENCH_PROFILE:-production}
echo "== building ($PROFILE)"
"$CARGO" build --profile "$PROFILE" --bin portcullis --example load
# Where cargo put them: CARGO_TARGET_DIR when set, as cargo itself reads it.
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/$PROFILE/portcullis
LOAD=$TARGET/$PROFILE/examples/load
RESULTS=$WORK/results.jsonl

rm -rf "$WORK"
mkdir -p "$WORK/template"
cat >"$WORK/template/portcullis.toml" <<TOML
issuer = "http://127.0.0.1:$PORT"
[server]
bind = "127.0.0.1:$PORT"
[database]
url = "sqlite://data/portcullis.db?mode=rwc"
[keys]
dir = "keys"
TOML

echo "== setting up the client and $TOTP_USERS users through the CLI"
cd "$WORK/template"
client=$("$BIN" --config portcullis.toml client create --name bench --redirect-uri "$REDIRECT")
CLIENT_ID=$(jq -r .client_id <<<"$client")
CLIENT_SECRET=$(jq -r .client_secret <<<"$client")
client=$("$BIN" --config portcullis.toml client create --name bench-es256 --redirect-uri "$REDIRECT" --id-token-alg ES256)
ES_CLIENT_ID=$(jq -r .client_id <<<"$client")
ES_CLIENT_SECRET=$(jq -r .client_secret <<<"$client")
USERS=$WORK/users.tsv
: >"$USERS"
for i in $(seq -w 1 "$TOTP_USERS"); do
    seed=$(head -c 20 /dev/urandom | base32 | tr -d '=')
    printf 'load%s\tload-password-%s\t%s\n' "$i" "$i" "$seed" >>"$USERS"
done
# Two CLI processes at a time: each hashes one password.
cut -f1,2 "$USERS" | xargs -P 2 -L 1 sh -c \
    '"$0" --config portcullis.toml user create --username "$1" --email "$1@example.com" --password "$2" >/dev/null' "$BIN"
cut -f1,3 "$USERS" | xargs -P 2 -L 1 sh -c \
    '"$0" --config portcullis.toml user totp-set "$1" --secret "$2" >/dev/null' "$BIN"

drive() { # server-name, scenario, pids...
    local name=$1 scenario=$2
    shift 2
    local pid_args=()
    for p in "$@"; do pid_args+=(--server-pid "$p"); done
    taskset -c "$DRIVER_CPUS" "$LOAD" run --issuer "$ISSUER" --client-id "$CLIENT_ID" \
        --client-secret "$CLIENT_SECRET" --redirect-uri "$REDIRECT" --users "$USERS_FOR" \
        --scenario "$scenario" --browsers "$BROWSERS" --duration "$SECS" --warmup "$WARMUP" \
        --server "$name" --results "$RESULTS" "${pid_args[@]}" ${EXTRA:-}
}

run_portcullis() { # memory|redis
    local backend=$1 name="portcullis-$1" pids=()
    echo "== $name (server on CPU $SERVER_CPUS, driver on CPU $DRIVER_CPUS)"
    rm -rf "$WORK/run"
    cp -r "$WORK/template" "$WORK/run"
    cd "$WORK/run"
    unset PORTCULLIS__REDIS__URL
    if [ "$backend" = redis ]; then
        taskset -c "$SERVER_CPUS" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
            --save "" --appendonly no --logfile "$WORK/run/redis.log" &
        pids+=($!)
        PIDS+=($!)
        export PORTCULLIS__REDIS__URL=redis://127.0.0.1:$REDIS_PORT
    fi
    taskset -c "$SERVER_CPUS" "$BIN" --config portcullis.toml serve 2>"$WORK/run/server.log" &
    pids=("$!" "${pids[@]}")
    PIDS+=($!)
    ISSUER=http://127.0.0.1:$PORT
    wait_http "$ISSUER/health" "$name"
    sleep 1
    taskset -c "$DRIVER_CPUS" "$LOAD" idle --server "$name" --results "$RESULTS" \
        $(printf -- '--server-pid %s ' "${pids[@]}")
    USERS_FOR=$USERS
    for s in $SCENARIOS; do
        if [ "$s" != password ]; then
            drive "$name" "$s" "${pids[@]}"
            continue
        fi
        # The bound of a password run: one argon2id verification on the
        # server's core, timed just before the run and just after it (the
        # timing after one run is the one before the next).
        taskset -c "$SERVER_CPUS" "$LOAD" argon2 --iterations 20 --results "$RESULTS"
        for _ in $(seq 1 "$PASSWORD_RUNS"); do
            drive "$name" password "${pids[@]}"
            taskset -c "$SERVER_CPUS" "$LOAD" argon2 --iterations 20 --results "$RESULTS"
        done
    done
    if [ "$backend" = memory ]; then
        # Latency below saturation: the same browsers, each pausing between flows.
        EXTRA="--think-ms ${BENCH_THINK_MS:-100}" drive "$name" sso "${pids[@]}"
        for s in $ES256_SCENARIOS; do
            CLIENT_ID=$ES_CLIENT_ID CLIENT_SECRET=$ES_CLIENT_SECRET drive "$name-es256" "$s" "${pids[@]}"
        done
    fi
    for p in "${pids[@]}"; do stop "$p"; done
    unset PORTCULLIS__REDIS__URL
}

install_node() {
    echo "== installing $OIDC_PROVIDER and $NODE_ARGON2 into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"name":"portcullis-bench-node","private":true,"type":"module"}' >"$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error "$OIDC_PROVIDER" "$NODE_ARGON2")
    cp "$ROOT/scripts/bench/node-oidc-server.mjs" "$NODE_DIR/server.mjs"
}

run_node() { # RS256|ES256, scenarios
    local alg=$1 scenarios=$2 name=node-oidc-provider
    [ "$alg" = ES256 ] && name=node-oidc-provider-es256
    USERS_FOR=$WORK/users-node.tsv
    head -n 64 "$USERS" >"$USERS_FOR"
    echo "== $name (server on CPU $SERVER_CPUS, driver on CPU $DRIVER_CPUS)"
    NODE_ENV=production BENCH_PORT=$NODE_PORT BENCH_CLIENT_ID=$CLIENT_ID BENCH_ALG=$alg \
        BENCH_CLIENT_SECRET=$CLIENT_SECRET BENCH_REDIRECT_URI=$REDIRECT BENCH_USERS=$USERS_FOR \
        taskset -c "$SERVER_CPUS" node "$NODE_DIR/server.mjs" >"$WORK/$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    ISSUER=http://127.0.0.1:$NODE_PORT
    wait_http "$ISSUER/.well-known/openid-configuration" "$name"
    sleep 1
    [ "$alg" = RS256 ] && taskset -c "$DRIVER_CPUS" "$LOAD" idle --server "$name" --server-pid "$pid" --results "$RESULTS"
    for s in $scenarios; do drive "$name" "$s" "$pid"; done
    stop "$pid"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run_portcullis memory
run_portcullis redis
install_node
run_node RS256 "$NODE_SCENARIOS"
[ -z "$ES256_SCENARIOS" ] || run_node ES256 "$ES256_SCENARIOS"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "== results ($RESULTS)"
"$LOAD" report "$RESULTS" \
    --note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB" \
    --note "servers pinned to CPU $SERVER_CPUS (taskset), driver to CPU $DRIVER_CPUS; $BROWSERS browsers, ${SECS}s per scenario after ${WARMUP}s warm-up" \
    --note "load average before: $LOAD_BEFORE, after: $LOAD_AFTER (other processes on the machine share these cores)" \
    --note "Portcullis $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') ($PROFILE build, SQLite), $OIDC_PROVIDER (in-memory adapter), node $(node --version); RS256 ID tokens unless the server name ends in -es256"

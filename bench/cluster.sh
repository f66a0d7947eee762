#!/usr/bin/env bash
# Gatehouse two-node benchmark: how throughput scales from one node to two behind a load balancer,
# with the cluster's shared state on (PostgreSQL for identity and the request log, Redis for rate
# limits and budgets). Bounded in time, cleans up after itself (its processes, its PostgreSQL
# schema, its Redis keys).
#
#   bench/cluster.sh                         one node, then two, closed64 (64 connections) each
#   BENCH_DURATION=5 BENCH_WARMUP=5 bench/cluster.sh   a short smoke run
#
# Scenarios (results.tsv, one row each): onenode64 (wrk -> nginx -> node 1) and twonode64
# (wrk -> nginx round-robin -> node 1, node 2). Every call comes with a team's virtual key that has
# a rate limit (rpm, tpm, concurrent) and a budget, so each one is limited and reserved/settled in
# Redis and logged to PostgreSQL, as in a real cluster.
#
# What runs where: node 1 on core $BENCH_NODE1_CPU, node 2 on core $BENCH_NODE2_CPU (one core
# each, one event loop each); wrk, nginx (load balancer and the mock upstream), PostgreSQL and
# Redis on $BENCH_LOAD_CPUS. The figures mean something only when the load side does not share
# the nodes' cores and the machine is otherwise idle: at least 4 cores (on fewer the script runs,
# for a smoke test, and says so).
#
# Environment (defaults in brackets):
#   BENCH_DURATION [20]  seconds per measured run     BENCH_WARMUP [20]  seconds of warm-up per run
#   BENCH_NODE1_CPU [0]  BENCH_NODE2_CPU [1]  BENCH_LOAD_CPUS [2-<last core>, or all on fewer than 4 cores]
#   BENCH_POSTGRES [jdbc:postgresql://127.0.0.1:5432/test]  BENCH_REDIS [redis://127.0.0.1:6379]
#   BENCH_MAX_SECONDS [400] (hard stop)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-20}
CORES=$(nproc)
N1_CPU=${BENCH_NODE1_CPU:-0}
N2_CPU=${BENCH_NODE2_CPU:-1}
if (( CORES >= 4 )); then LOAD_DEFAULT="2-$((CORES - 1))"; else LOAD_DEFAULT="0-$((CORES - 1))"; fi
LOAD_CPUS=${BENCH_LOAD_CPUS:-$LOAD_DEFAULT}
PG_URL=${BENCH_POSTGRES:-jdbc:postgresql://127.0.0.1:5432/test}
REDIS_URL=${BENCH_REDIS:-redis://127.0.0.1:6379}
MAX_SECONDS=${BENCH_MAX_SECONDS:-400}
KEY="gh-bench-master-key-0123456789abcdefghijklmnop"
BASE=${BENCH_PORT_BASE:-$((21000 + RANDOM % 20000))}
MOCK_PORT=$BASE LB1_PORT=$((BASE + 1)) LB2_PORT=$((BASE + 2)) N1_PORT=$((BASE + 3)) N2_PORT=$((BASE + 4))
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$ROOT/bench/results/cluster-$STAMP"
TSV="$OUT/results.tsv"
SCHEMA="bench_$(date +%s)_$RANDOM"
PREFIX="bench-$STAMP-$RANDOM:"
PSQL_URL=${PG_URL#jdbc:}
REDIS_HOSTPORT=${REDIS_URL#redis://}
REDIS_HOST=${REDIS_HOSTPORT%%:*} REDIS_PORT=${REDIS_HOSTPORT##*:}
REDIS_PORT=${REDIS_PORT%%/*}

log() { printf '[cluster-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    local waited=0 alive
    while (( waited < 100 )); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
        waited=$((waited + 1))
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    psql -q "$PSQL_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || log "could not drop schema $SCHEMA"
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern "$PREFIX*" 2>/dev/null \
        | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" DEL >/dev/null 2>&1 || true
    if [[ -n ${WATCHDOG:-} ]]; then
        pkill -P "$WATCHDOG" 2>/dev/null || true
        kill "$WATCHDOG" 2>/dev/null || true
    fi
    log "stopped everything this run started; results in $OUT"
    exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
( sleep "$MAX_SECONDS"; log "hard time limit of ${MAX_SECONDS}s reached"; kill -TERM $$ ) 2>/dev/null &
WATCHDOG=$!

need() { command -v "$1" >/dev/null 2>&1; }
for c in wrk taskset curl awk psql redis-cli python3; do need "$c" || die "missing $c"; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "missing nginx"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
if [[ -z $JAVA ]] || ! "$JAVA" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
    JAVA=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r j; do
        "$j" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])' && echo "$j"; done | sort -V | tail -n 1)
fi
[[ -x $JAVA ]] || die "no JDK >= 21 found"
(( CORES >= 4 )) || log "warning: $CORES cores: the load shares the nodes' cores, so these figures are a smoke test, not a measurement"

mkdir -p "$OUT/tmp" "$OUT/wrk"
log "results: $OUT"
JAVA_HOME=$(dirname "$(dirname "$JAVA")") "$ROOT/gatehouse" build >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"
psql -q "$PSQL_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null || die "cannot create schema $SCHEMA in $PSQL_URL"
{
    echo "cpu: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $CORES cores"
    echo "java: $("$JAVA" -version 2>&1 | head -n 1)"
    echo "nodes on cores $N1_CPU and $N2_CPU; load (wrk, nginx, PostgreSQL, Redis clients) on $LOAD_CPUS"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "settings: duration=${DURATION}s warmup=${WARMUP}s"
} >"$OUT/machine.txt"

echo "$BENCH_FAST_BODY" >"$OUT/fast.json"

nginx_conf() { # name body
    nginx_common "$1"
    printf '%s\n}\n' "$2"
}
nginx_conf mock "    server {
        listen 127.0.0.1:$MOCK_PORT backlog=16384 reuseport;
        location = /fast/v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
        location / { return 404; }
    }" >"$OUT/nginx-mock.conf"
# The load balancer: round-robin over keep-alive connections to the nodes (one upstream in onenode64).
lb_conf() { # port servers...
    local port=$1 servers=""
    shift
    for s in "$@"; do servers+="server 127.0.0.1:$s; "; done
    echo "    upstream gatehouse { $servers keepalive 256; }
    proxy_http_version 1.1;
    proxy_set_header Connection \"\";
    proxy_buffering off;
    server {
        listen 127.0.0.1:$port backlog=16384 reuseport;
        location / { proxy_pass http://gatehouse; }
    }"
}
nginx_conf lb1 "$(lb_conf "$LB1_PORT" "$N1_PORT")" >"$OUT/nginx-lb1.conf"
nginx_conf lb2 "$(lb_conf "$LB2_PORT" "$N1_PORT" "$N2_PORT")" >"$OUT/nginx-lb2.conf"

cat >"$OUT/gatehouse.yaml" <<EOF
server:
  host: 127.0.0.1
  event-loops: 1
storage:
  url: "$PG_URL?currentSchema=$SCHEMA"
redis:
  url: "$REDIS_URL"
  key-prefix: "$PREFIX"
providers:
  fast: {kind: openai, base-url: "http://127.0.0.1:$MOCK_PORT/fast/v1", api-key: sk-bench}
models:
  bench-fast: {targets: [{provider: fast, model: gpt-4o-mini}]}
auth:
  master-key: $KEY
EOF

start_nginx() { # name
    taskset -c "$LOAD_CPUS" "$NGINX" -p "$OUT" -e "$OUT/nginx-$1.error.log" -c "$OUT/nginx-$1.conf" -g 'daemon off;' &
    PIDS+=($!)
}
start_node() { # n port cpu
    JAVA_HOME=$(dirname "$(dirname "$JAVA")") taskset -c "$3" "$ROOT/gatehouse" start --config "$OUT/gatehouse.yaml" \
        --port "$2" --data "$OUT/data-$1" >"$OUT/node$1.log" 2>&1 &
    PIDS+=($!)
    eval "NODE$1_PID=$!"
    wait_http "http://127.0.0.1:$2/health/ready" 200 60 || die "node $1 not ready in 60 s, see $OUT/node$1.log"
    log "node $1 ready on port $2 (core $3)"
}
cpu_ticks() {
    local total=0 p
    for p in "$@"; do
        [[ -r /proc/$p/stat ]] || continue
        total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
    done
    echo "$total"
}

start_nginx mock
wait_http "http://127.0.0.1:$MOCK_PORT/fast/v1/chat/completions" 200 10 POST || die "nginx mock did not start"
start_node 1 "$N1_PORT" "$N1_CPU"

# A team's virtual key with a rate limit and a budget, as in bench/run.sh: every call is limited and
# reserved/settled in Redis (set high enough never to refuse).
h=(-sf -m 10 -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
admin="http://127.0.0.1:$N1_PORT/admin/v1"
team=$(curl "${h[@]}" -X POST "$admin/teams" -d '{"name":"bench"}' | json_field id) \
    || die "could not create the bench team"
key_json=$(curl "${h[@]}" -X POST "$admin/keys" -d "{\"name\":\"bench\",\"owner_id\":\"$team\"}") || die "could not create the bench key"
CALLER_KEY=$(json_field key <<<"$key_json")
key_id=$(json_field id <<<"$key_json")
curl "${h[@]}" -X POST "$admin/rate-limits" -o /dev/null \
    -d "{\"scope\":\"key\",\"subject\":\"$key_id\",\"rpm\":100000000,\"tpm\":10000000000,\"concurrent\":100000}" \
    || die "could not create the bench rate limit"
curl "${h[@]}" -X POST "$admin/budgets" -o /dev/null \
    -d "{\"scope\":\"key\",\"subject\":\"$key_id\",\"period\":\"month\",\"limit_usd\":\"1000000000\"}" \
    || die "could not create the bench budget"
start_node 2 "$N2_PORT" "$N2_CPU"
start_nginx lb1
start_nginx lb2
wait_http "http://127.0.0.1:$LB2_PORT/health/ready" 200 10 || die "load balancer did not start"
sleep 1 # the key reaches node 2 within its 250 ms poll

printf 'scenario\tnodes\tconnections\trequests\trps\tp50_ms\tp99_ms\terrors\tcpu_us_per_req\n' >"$TSV"
run() { # scenario lb-port nodes seconds record
    local file="$OUT/wrk/$1.txt" pids=("$NODE1_PID")
    (( $3 == 2 )) && pids+=("$NODE2_PID")
    local c0 c1
    c0=$(cpu_ticks "${pids[@]}")
    BENCH_BODY_FILE="$OUT/fast.json" BENCH_KEY="$CALLER_KEY" BENCH_DELAY_MS=0 timeout $(($4 + 60)) \
        taskset -c "$LOAD_CPUS" wrk -t 2 -c 64 -d "$4s" --timeout 60s -s "$ROOT/bench/wrk/request.lua" \
        "http://127.0.0.1:$2/v1/chat/completions" >"$file" 2>&1 || log "wrk exited non-zero ($1)"
    c1=$(cpu_ticks "${pids[@]}")
    [[ $5 == record ]] || return 0
    grep '^RESULT' "$file" | awk -v s="$1" -v n="$3" -v dc="$((c1 - c0))" -v tck="$(getconf CLK_TCK)" '
        { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        END {
            rps = v["requests"] / (v["duration_us"] / 1e6)
            errors = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"]
            printf "%s\t%d\t64\t%d\t%.0f\t%.3f\t%.3f\t%d\t%.1f\n", s, n, v["requests"], rps, v["p50_us"] / 1000, v["p99_us"] / 1000,
                errors, (v["requests"] > 0 ? dc / tck * 1e6 / v["requests"] : 0)
        }' >>"$TSV"
    log "$(tail -n 1 "$TSV" | tr '\t' ' ')"
}
log "warm-up: both nodes, ${WARMUP}s"
run warmup "$LB2_PORT" 2 "$WARMUP" skip
run onenode64 "$LB1_PORT" 1 "$DURATION" record
run twonode64 "$LB2_PORT" 2 "$DURATION" record

# Every call answered is in the request log (shared PostgreSQL) and charged to the one budget (Redis):
# nothing per node. A quick check that the run was real.
errors=$(awk -F'\t' 'NR > 1 { e += $8 } END { print e + 0 }' "$TSV")
(( errors == 0 )) || log "warning: $errors wrk errors (non-2xx answers or socket errors): see $OUT/wrk/"
awk -F'\t' 'NR > 1 { rps[$1] = $5 } END {
    if (rps["onenode64"] > 0) printf "two nodes / one node: %.2fx (%d / %d requests per second)\n", rps["twonode64"] / rps["onenode64"], rps["twonode64"], rps["onenode64"] }' \
    "$TSV" | tee "$OUT/summary.txt" >&2
column -t -s $'\t' "$TSV" >&2

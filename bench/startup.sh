#!/usr/bin/env bash
# Startup benchmark: milliseconds from `java` launch until GET /health/ready answers 200, with
# the gateway pinned to one core (issue 7: ready within 1.5 s).
#
#   bench/startup.sh [runs]            default 5 runs per case
#
# Four cases, each repeated `runs` times, median reported:
#   first/archive    new data folder (SQLite created, migrations applied), startup archive in use
#   restart/archive  same data folder again (schema current), startup archive in use
#   first/none       as first/archive without an archive of ours (the JDK's default CDS only)
#   restart/none     as restart/archive without an archive of ours
# The archive is the one ./gatehouse uses (see record_archive there), recorded once before the
# timed runs into the output folder:
#   ARCHIVE=aot  (default on JDK 25+) AOT cache recorded from `gatehouse training-run`
#   ARCHIVE=cds  (default before 25)  dynamic CDS archive (-XX:+AutoCreateSharedArchive) recorded
#                from `gatehouse training-run`, or, for a jar without that command (older
#                builds), from one plain start and stop as the launcher used to do
# After every timed run one chat completion goes through the mock provider (ready must mean
# able to serve), then the gateway gets SIGTERM and its exit is awaited.
#
# Needs: a built jar (mvn -B -q -DskipTests package), curl, taskset, JAVA_HOME >= 21.
# Environment: JAR (default target/gatehouse.jar, with its lib/ folder beside it), GW_CPU (core
# to pin to, default 0), PORT (default 18490), EXTRA_JAVA_OPTS, OUT (output folder, default a new
# temp folder). The machine may be shared: the load average is printed before and after;
# compare medians, not single runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-5}
JAVA=${JAVA_HOME:?set JAVA_HOME to a JDK 21+}/bin/java
GW_CPU=${GW_CPU:-0}
PORT=${PORT:-18490}
OUT=${OUT:-$(mktemp -d /tmp/gatehouse-startup.XXXXXX)}
JAR=${JAR:-$ROOT/target/gatehouse.jar}
KEY=sk-startup-bench-master-key
[[ -f $JAR ]] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 1; }
JAVA_MAJOR=$("$JAVA" -version 2>&1 | sed -n -E '1s/.*version "([0-9]+).*/\1/p')
ARCHIVE=${ARCHIVE:-$( ((JAVA_MAJOR >= 25)) && echo aot || echo cds)}

cat >"$OUT/gatehouse.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $PORT
providers:
  mock: {kind: mock}
models:
  gpt-4o-mini: {targets: [{provider: mock}]}
  gpt-4o: {targets: [{provider: mock}]}
auth:
  master-key: $KEY
EOF

BASE_OPTS=(--enable-native-access=ALL-UNNAMED -XX:+ExitOnOutOfMemoryError)
if [[ $ARCHIVE == aot ]]; then
    RECORD_OPTS=("-XX:AOTCacheOutput=$OUT/gatehouse.aot")
    ARCHIVE_OPTS=("-XX:AOTCache=$OUT/gatehouse.aot" -Xlog:aot=off -Xlog:cds=off)
else
    ARCHIVE_OPTS=(-XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$OUT/gatehouse.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
    RECORD_OPTS=("${ARCHIVE_OPTS[@]}")
fi

PID=""
# run_once runs in a subshell ($(...)), so it stops its own gateway before failing.
fail() {
    echo "$*; log: $OUT/gatehouse.log" >&2
    [[ -n $PID ]] && kill "$PID" 2>/dev/null
    exit 1
}

# Starts the gateway ($1: data folder, rest: JVM flags), prints ms until ready, then checks one
# completion and stops it.
run_once() {
    local data=$1
    shift
    local t0 t1 code
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    taskset -c "$GW_CPU" "$JAVA" "$@" ${EXTRA_JAVA_OPTS:-} -jar "$JAR" start \
        --config "$OUT/gatehouse.yaml" --port "$PORT" --data "$data" >>"$OUT/gatehouse.log" 2>&1 &
    PID=$!
    until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready" 2>/dev/null) == 200 ]]; do
        kill -0 "$PID" 2>/dev/null || { wait "$PID"; fail "gateway exited with status $? before ready"; }
        (( ($(date +%s%N) - t0) < 30000000000 )) || fail "not ready in 30 s"
        sleep 0.01
    done
    t1=$(date +%s%N)
    code=$(curl -s -o "$OUT/completion.json" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/chat/completions" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}')
    [[ $code == 200 ]] || fail "completion answered $code: $(cat "$OUT/completion.json")"
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=""
    echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)) }'; }

echo "jar: $JAR; java: $("$JAVA" -version 2>&1 | head -n 1); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); pinned to core $GW_CPU"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if unzip -l "$JAR" | grep -q TrainingRunCommand; then
    "$JAVA" "${BASE_OPTS[@]}" "${RECORD_OPTS[@]}" -jar "$JAR" training-run >"$OUT/training-run.log" 2>&1
else
    [[ $ARCHIVE == cds ]] || { echo "this jar has no training-run command: use ARCHIVE=cds" >&2; exit 1; }
    run_once "$OUT/warmup" "${BASE_OPTS[@]}" "${RECORD_OPTS[@]}" >/dev/null
fi
echo "archive: $ARCHIVE ($(du -h "$OUT"/gatehouse.{aot,jsa} 2>/dev/null | cut -f1))"

set -o errtrace
trap 'exit 1' ERR # a failed run (in its subshell) ends the benchmark
declare -A RESULTS
for run in $(seq 1 "$RUNS"); do
    for archive in archive none; do
        opts=("${BASE_OPTS[@]}")
        [[ $archive == archive ]] && opts+=("${ARCHIVE_OPTS[@]}")
        data="$OUT/data-$archive-$run"
        RESULTS[first/$archive]+="$(run_once "$data" "${opts[@]}") "
        RESULTS[restart/$archive]+="$(run_once "$data" "${opts[@]}") "
    done
done

printf '%-16s %8s   %s\n' case median "runs (ms)"
for c in first/archive restart/archive first/none restart/none; do
    printf '%-16s %8s   %s\n' "$c" "$(tr ' ' '\n' <<<"${RESULTS[$c]}" | grep . | median)" "${RESULTS[$c]}"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "output: $OUT"

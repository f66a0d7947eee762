#!/usr/bin/env bash
# Startup benchmark: milliseconds from launch until GET /health/ready answers 200, with the
# gateway pinned to one core (issue 23: ready within 1 s).
#
#   bench/startup.sh [runs]            default 5 runs per case
#   CASES="first/launcher restart/launcher" bench/startup.sh 9
#
# Cases, each repeated `runs` times (interleaved), median and minimum reported:
#   first/launcher   `./gatehouse start` as users (and bench/run.sh) start it: the launcher's JDK
#                    choice and stale-jar check, its JVM flags and its own archive
#                    (target/gatehouse.aot or .jsa), on a new data folder (SQLite created,
#                    migrations applied)
#   restart/launcher the same on the same data folder again (schema current)
#   first/archive    java -jar directly, new data folder, an archive recorded into the output folder
#   restart/archive  the same data folder again
#   first/none       as first/archive without an archive of ours (the JDK's default CDS only)
#   restart/none     as restart/archive without an archive of ours
# The archive of the */archive cases is recorded once before the timed runs:
#   ARCHIVE=aot  (default on JDK 25+) AOT cache recorded from `gatehouse training-run`
#   ARCHIVE=cds  (default before 25)  dynamic CDS archive (-XX:+AutoCreateSharedArchive) recorded
#                from `gatehouse training-run`, or, for a jar without that command (older
#                builds), from one plain start and stop as the launcher used to do
# The */launcher cases run `$LAUNCHER --version` once first, so that the launcher builds the jar
# or records its archive (as it would on a first start after a build) outside the timed runs.
# After every timed run one chat completion goes through the mock provider (ready must mean
# able to serve), then the gateway gets SIGTERM and its exit is awaited. Besides the wall time,
# the CPU time the gateway's process had used when it became ready is reported (user + system,
# 10 ms ticks): on a shared machine it varies much less than the wall time.
#
# Needs: a built jar (mvn -B -q -DskipTests package, or ./gatehouse build), curl, taskset,
# JAVA_HOME >= 21.
# Environment: CASES (default: all six), JAR (default target/gatehouse.jar, with its lib/ folder
# beside it), LAUNCHER (default ./gatehouse of this checkout; to compare with another checkout,
# give its launcher and its JAR), GW_CPU (core to pin to, default 0), PORT (default 18490),
# EXTRA_JAVA_OPTS, AOT_TRAINING (1: the */archive cases' AOT cache with JEP 515 training data, as
# the launcher recorded it before issue 23), OUT (output folder, default a new temp folder). The machine may be shared:
# the load average is printed before and after; compare medians, not single runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-5}
JAVA=${JAVA_HOME:?set JAVA_HOME to a JDK 21+}/bin/java
GW_CPU=${GW_CPU:-0}
PORT=${PORT:-18490}
OUT=${OUT:-$(mktemp -d /tmp/gatehouse-startup.XXXXXX)}
JAR=${JAR:-$ROOT/target/gatehouse.jar}
LAUNCHER=${LAUNCHER:-$ROOT/gatehouse}
CASES=${CASES:-first/launcher restart/launcher first/archive restart/archive first/none restart/none}
CLK_TCK=$(getconf CLK_TCK)
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
    # As the launcher records it: without JEP 515 training data (see ARCHIVE_OPTS in ./gatehouse).
    RECORD_OPTS=("-XX:AOTCacheOutput=$OUT/gatehouse.aot" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining)
    [[ ${AOT_TRAINING:-0} == 1 ]] && RECORD_OPTS=("-XX:AOTCacheOutput=$OUT/gatehouse.aot")
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

# Starts the gateway ($1: data folder, $2: "launcher" or "java", rest: JVM flags), prints the ms
# until ready and the CPU ms the process had used by then, then checks one completion and stops it.
run_once() {
    local data=$1 how=$2
    shift 2
    local t0 t1 code cpu
    t0=$(date +%s%N)
    if [[ $how == launcher ]]; then
        # As bench/run.sh starts it; the launcher execs java, so $! is the JVM's pid.
        GATEHOUSE_JAVA_OPTS="${EXTRA_JAVA_OPTS:-}" taskset -c "$GW_CPU" "$LAUNCHER" start \
            --config "$OUT/gatehouse.yaml" --port "$PORT" --data "$data" >>"$OUT/gatehouse.log" 2>&1 &
    else
        # shellcheck disable=SC2086
        taskset -c "$GW_CPU" "$JAVA" "$@" ${EXTRA_JAVA_OPTS:-} -jar "$JAR" start \
            --config "$OUT/gatehouse.yaml" --port "$PORT" --data "$data" >>"$OUT/gatehouse.log" 2>&1 &
    fi
    PID=$!
    until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready" 2>/dev/null) == 200 ]]; do
        kill -0 "$PID" 2>/dev/null || { wait "$PID"; fail "gateway exited with status $? before ready"; }
        (( ($(date +%s%N) - t0) < 30000000000 )) || fail "not ready in 30 s"
        sleep 0.01
    done
    t1=$(date +%s%N)
    cpu=$(awk -v tck="$CLK_TCK" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / tck) }' "/proc/$PID/stat")
    code=$(curl -s -o "$OUT/completion.json" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/chat/completions" \
        -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}')
    [[ $code == 200 ]] || fail "completion answered $code: $(cat "$OUT/completion.json")"
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=""
    echo "$(( (t1 - t0) / 1000000 )) $cpu"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)) }'; }
minimum() { sort -n | head -n 1; }
wants() { [[ " $CASES " == *" $1 "* ]]; }

echo "jar: $JAR; java: $("$JAVA" -version 2>&1 | head -n 1); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); pinned to core $GW_CPU"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if wants first/archive || wants restart/archive; then
    # (not `unzip -l | grep -q`: grep stops reading early, and unzip's SIGPIPE fails the pipeline)
    if unzip -l "$JAR" dev/gatehouse/TrainingRunCommand.class >/dev/null 2>&1; then
        "$JAVA" "${BASE_OPTS[@]}" "${RECORD_OPTS[@]}" -jar "$JAR" training-run >"$OUT/training-run.log" 2>&1
    else
        [[ $ARCHIVE == cds ]] || { echo "this jar has no training-run command: use ARCHIVE=cds" >&2; exit 1; }
        run_once "$OUT/warmup" java "${BASE_OPTS[@]}" "${RECORD_OPTS[@]}" >/dev/null
    fi
    echo "archive: $ARCHIVE ($(du -h "$OUT"/gatehouse.{aot,jsa} 2>/dev/null | cut -f1))"
fi
if wants first/launcher || wants restart/launcher; then
    echo "launcher: $LAUNCHER"
    "$LAUNCHER" --version >"$OUT/launcher-prepare.log" 2>&1 || { cat "$OUT/launcher-prepare.log" >&2; exit 1; }
fi

set -o errtrace
trap 'exit 1' ERR # a failed run (in its subshell) ends the benchmark
declare -A WALL CPU
record() { # case "wall cpu"
    WALL[$1]+="${2% *} "
    CPU[$1]+="${2#* } "
}
for run in $(seq 1 "$RUNS"); do
    for kind in launcher archive none; do
        wants "first/$kind" || wants "restart/$kind" || continue
        data="$OUT/data-$kind-$run"
        how=java
        opts=("${BASE_OPTS[@]}")
        case $kind in
            launcher) how=launcher ;;
            archive) opts+=("${ARCHIVE_OPTS[@]}") ;;
        esac
        result=$(run_once "$data" "$how" "${opts[@]}")
        wants "first/$kind" && record "first/$kind" "$result"
        if wants "restart/$kind"; then
            record "restart/$kind" "$(run_once "$data" "$how" "${opts[@]}")"
        fi
    done
done

printf '%-17s %7s %7s %8s   %s\n' case median min "cpu med" "runs (ms)"
for c in $CASES; do
    [[ -n ${WALL[$c]:-} ]] || continue
    printf '%-17s %7s %7s %8s   %s\n' "$c" "$(tr ' ' '\n' <<<"${WALL[$c]}" | grep . | median)" \
        "$(tr ' ' '\n' <<<"${WALL[$c]}" | grep . | minimum)" "$(tr ' ' '\n' <<<"${CPU[$c]}" | grep . | median)" "${WALL[$c]}"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "output: $OUT"

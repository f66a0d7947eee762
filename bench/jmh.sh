#!/usr/bin/env bash
# JMH micro-benchmarks of the gateway's hot-path pieces, outside the main build.
#
#   bench/jmh.sh                      all benchmarks, with the GC profiler (allocation per op)
#   bench/jmh.sh 'usageScanner.*'     a subset (JMH regexp); further args go to JMH
#
# Builds target/gatehouse.jar (./gatehouse build), resolves JMH 1.37 once with Maven
# (bench/jmh/pom.xml -> bench/jmh/target/jmh-lib), compiles bench/jmh/src with javac against
# the gateway jar and its runtime jars, and runs JMH. Results: bench/results/jmh-<stamp>.txt
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/jdk.sh
. "$ROOT/bench/jdk.sh"

"$ROOT/gatehouse" build >&2
JMH=$ROOT/bench/jmh
if ! ls "$JMH/target/jmh-lib/jmh-core-"*.jar >/dev/null 2>&1; then
    (cd "$JMH" && mvn -B -q package) >&2
fi
CLASSES=$JMH/target/classes
rm -rf "$CLASSES" && mkdir -p "$CLASSES"
CP="$ROOT/target/gatehouse.jar:$ROOT/target/lib/*:$JMH/target/jmh-lib/*"
"$JDK/bin/javac" --release 21 -proc:full -cp "$CP" -processorpath "$(printf '%s:' "$JMH"/target/jmh-lib/*.jar)" -d "$CLASSES" \
    $(find "$JMH/src" -name '*.java')
mkdir -p "$ROOT/bench/results"
OUTFILE="$ROOT/bench/results/jmh-$(date +%Y%m%d-%H%M%S).txt"
FILTER=${1:-.*}
shift || true
"$JDK/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CLASSES:$CP" org.openjdk.jmh.Main "$FILTER" -prof gc "$@" | tee "$OUTFILE"
echo "jmh.sh: results in $OUTFILE" >&2

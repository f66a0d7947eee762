#!/usr/bin/env bash
# Gatehouse load benchmark: one command, bounded in time, cleans up after itself.
#
#   bench/run.sh                      all scenarios (about 6-7 minutes with the defaults)
#   BENCH_DURATION=5 bench/run.sh     shorter runs
#   BENCH_SCENARIOS="closed64 stream64" bench/run.sh
#   BENCH_SCENARIOS=features bench/run.sh   the per-feature set (one scenario per feature users turn
#                                     on, then closed64 as their baseline), about 4 minutes
#   BENCH_SCENARIOS=endpoints bench/run.sh  the per-endpoint set (one scenario per caller-facing endpoint
#                                     family, then closed64 as their baseline), about 10 minutes
#
# What runs where (2-core machine):
#   core $BENCH_GATEWAY_CPU (0): the system under test, one at a time: Gatehouse (production path:
#            master-key auth, body scan, routing, same-format passthrough with usage parsing,
#            access-log listener) or nginx as a plain reverse proxy (the baseline);
#   core $BENCH_LOAD_CPU (1):    wrk, the nginx mock upstream (fixed JSON, fixed 20-chunk SSE) and
#            bench/mock/BenchMock.java (the 50 ms answer and the slow stream for 5,000 open streams).
# Every scenario runs three times side by side: wrk -> mock directly, wrk -> nginx -> mock,
# wrk -> gatehouse -> mock.
#
# Environment (defaults in brackets):
#   BENCH_DURATION [10]        seconds per measured run
#   BENCH_WARMUP [30]          seconds of warm-up (JIT) per system under test before measuring
#   BENCH_SCENARIOS            subset of: closed16 closed64 rate500 stream64 delay500 streams5000 and the
#                              feature scenarios (not in the default set; `features` stands for all of them
#                              followed by closed64), each closed64's load through one feature:
#                                cached64       the answer cache, every request but the first a hit
#                                anthropic64    an Anthropic-format caller (POST /v1/messages) translated to
#                                               the OpenAI-format mock
#                                translated64   an OpenAI-format caller translated to an Anthropic-format
#                                               upstream (the mock's fixed Messages answer)
#                                pii64          a PII guardrail masking e-mail addresses, on a prompt with one
#                                responses64    POST /v1/responses, "store": false, translated to the chat mock
#                                responses64store  the same with "store": true: every answer written to the
#                                               responses table (off the event loop)
#                                mcp64          an MCP tools/call (built-in server, `whoami`) through /mcp with
#                                               a signed session, the key's team granted the tool by a policy
#                              The endpoint scenarios (not in the default set; `endpoints` stands for all
#                              of them followed by closed64), each one endpoint the gateway serves:
#                                embeddings64   POST /v1/embeddings (the mock's fixed embedding)
#                                models64       GET /v1/models
#                                counttokens4   POST /v1/messages/count_tokens (counted by the gateway off the
#                                               event loop, in a pool that admits 4 jobs per core: 4 connections)
#                                anthropicstream64  POST /v1/messages, "stream": true, from the chat SSE mock
#                                responsesstream64  POST /v1/responses, "stream": true, "store": false
#                                responseget64  GET /v1/responses/{id} of one stored response
#                                responsedelete64   DELETE /v1/responses/{id}, each of responses stored
#                                               just before (ends early when they are used up)
#                                vectorsearch64 POST /v1/vector_stores/{id}/search (one small file)
#                                filesearch64   chat with the file_search tool on that store
#                                fileupload64   POST /v1/files, a 1 KB text file (multipart)
#                                images64       POST /v1/images/generations (fixed b64_json PNG)
#                                speech64       POST /v1/audio/speech (a fixed WAV relayed)
#                                transcription64  POST /v1/audio/transcriptions (multipart WAV upload)
#                                moderations64  POST /v1/moderations
#                                mcplist64      MCP tools/list through /mcp with a signed session
#                                adminkey64     GET /admin/v1/keys/{id} (master key)
#                                adminteam64    GET /admin/v1/teams/{id} (master key)
#                                ready64        GET /health/ready (no key)
#                                metrics4       GET /metrics, 4 connections, after the other scenarios'
#                                               load filled the meters
#                              Feature and endpoint scenarios measure the gateway only (the direct and nginx
#                              runs would measure the same mock again), after a warm-up of their own.
#   BENCH_FEATURE_WARMUP [10]  seconds of warm-up of each feature scenario's own path before it is measured
#   BENCH_RATE [500]           requests/s of the fixed-rate scenarios
#   BENCH_STREAMS [5000]       concurrent open streams in streams5000
#   BENCH_SLOW_CHUNK_MS [400]  pacing of the slow stream (20 chunks => 8 s per stream)
#   BENCH_DELAY_MS [50]        answer delay of the slow upstream
#   BENCH_JAVA_OPTS            extra JVM flags for the gateway
#   BENCH_EVENT_LOOPS [1]      the gateway's event loops (with BENCH_GATEWAY_CPU=0,1 for two cores)
#   BENCH_JFR [0]              1: record a JFR profile of the gateway into the results folder
#   BENCH_GATEWAY_CPU [0], BENCH_LOAD_CPU [1], BENCH_MAX_SECONDS (hard stop) [600, more for long
#                              scenario lists: 180 s + the warm-ups + 30 s more than each scenario's duration]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-30}
SCENARIOS=${BENCH_SCENARIOS:-"closed16 closed64 rate500 stream64 delay500 streams5000"}
FEATURES="cached64 anthropic64 translated64 pii64 responses64 responses64store mcp64"
# The endpoint scenarios; metrics4 last among them, so that its scrape covers every meter the others
# created.
ENDPOINTS="embeddings64 rerank64 models64 counttokens4 anthropicstream64 responsesstream64 responseget64 responsedelete64
    vectorsearch64 filesearch64 fileupload64 images64 speech64 transcription64 moderations64 mcplist64 adminkey64
    adminteam64 ready64 metrics4"
ENDPOINTS=$(echo $ENDPOINTS)
# The shorthands. closed64, the baseline, comes last: measured after the features, it runs on a path
# (HTTP, governance, request log) the JIT has compiled at least as long as theirs, so a short warm-up
# cannot make the features look cheaper than the path they add to.
SCENARIOS=" $SCENARIOS "
if [[ $SCENARIOS == *" features "* || $SCENARIOS == *" endpoints "* ]]; then SCENARIOS+="closed64"; fi
SCENARIOS=${SCENARIOS/ features / $FEATURES }
SCENARIOS=${SCENARIOS/ endpoints / $ENDPOINTS }
SCENARIOS=$(echo "$SCENARIOS" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')
FEATURE_WARMUP=${BENCH_FEATURE_WARMUP:-10}
RATE=${BENCH_RATE:-500}
STREAMS=${BENCH_STREAMS:-5000}
SLOW_CHUNK_MS=${BENCH_SLOW_CHUNK_MS:-400}
DELAY_MS=${BENCH_DELAY_MS:-50}
GW_CPU=${BENCH_GATEWAY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
MAX_SECONDS=$(( 180 + 2 * WARMUP + $(wc -w <<<"$SCENARIOS") * (DURATION + FEATURE_WARMUP + 30) ))
MAX_SECONDS=${BENCH_MAX_SECONDS:-$(( MAX_SECONDS > 600 ? MAX_SECONDS : 600 ))}
KEY="gh-bench-master-key-0123456789abcdefghijklmnop"
BASE=${BENCH_PORT_BASE:-$((21000 + RANDOM % 20000))}
MOCK_PORT=$BASE JMOCK_PORT=$((BASE + 1)) PROXY_PORT=$((BASE + 2)) GW_PORT=$((BASE + 3))
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$ROOT/bench/results/$STAMP"
TSV="$OUT/results.tsv"
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup: everything we started
PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Up to 10 s for a clean exit (the JVM dumps its JFR recording on exit), then KILL.
    local waited=0 alive
    while (( waited < 100 )); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
        waited=$((waited + 1))
    done
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n ${WATCHDOG:-} ]]; then
        pkill -P "$WATCHDOG" 2>/dev/null || true # its sleep
        kill "$WATCHDOG" 2>/dev/null || true
    fi
    log "stopped everything this run started; results in $OUT"
    exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# A hard bound on the whole run, whatever happens.
( sleep "$MAX_SECONDS"; log "hard time limit of ${MAX_SECONDS}s reached"; kill -TERM $$ ) 2>/dev/null &
WATCHDOG=$!

# ---------------------------------------------------------------- tools
need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! { need nginx || [[ -x /usr/sbin/nginx ]]; }; then
    log "installing nginx-light and wrk from Debian"
    apt-get install -y nginx-light wrk >/dev/null || die "apt-get install nginx-light wrk failed (run as root, or install them)"
    # The package may start the system nginx; it is not ours to run, but it must not take our ports.
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for c in taskset curl awk java; do need "$c" || [[ $c == java ]] || die "missing $c"; done
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
if [[ -z $JAVA ]] || ! "$JAVA" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
    JAVA=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r j; do
        "$j" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])' && echo "$j"; done | sort -V | tail -n 1)
fi
[[ -x $JAVA ]] || die "no JDK >= 21 found"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= 2 * STREAMS + 1000 )) || log "warning: ulimit -n $(ulimit -n) is low for $STREAMS streams"

mkdir -p "$OUT/tmp" "$OUT/wrk"
log "results: $OUT"
log "building the gateway (if sources changed)"
JAVA_HOME=$(dirname "$(dirname "$JAVA")") "$ROOT/gatehouse" build >"$OUT/build.log" 2>&1 || die "build failed, see $OUT/build.log"

# ---------------------------------------------------------------- payloads
echo "$BENCH_FAST_BODY" >"$OUT/fast.json"
sed 's/bench-fast/bench-stream/; s/}$/,"stream":true}/' "$OUT/fast.json" >"$OUT/stream.json"
sed 's/bench-fast/bench-delay/' "$OUT/fast.json" >"$OUT/delay.json"
sed 's/bench-fast/bench-slow/; s/}$/,"stream":true}/' "$OUT/fast.json" >"$OUT/slow.json"
sed 's/bench-fast/bench-cached/' "$OUT/fast.json" >"$OUT/cached.json"
# The feature scenarios: the same conversation in each caller's format.
cat >"$OUT/messages.json" <<'EOF'
{"model":"bench-fast","system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello to the benchmark in one short sentence, please."}],"temperature":0.2,"max_tokens":64}
EOF
sed 's/bench-fast/bench-anthropic/' "$OUT/fast.json" >"$OUT/translated.json"
sed 's/bench-fast/bench-pii/; s/ please\./ and copy jane.doe@example.com, please./' "$OUT/fast.json" >"$OUT/pii.json"
cat >"$OUT/responses.json" <<'EOF'
{"model":"bench-fast","instructions":"You are a helpful assistant.","input":"Say hello to the benchmark in one short sentence, please.","temperature":0.2,"max_output_tokens":64,"store":false}
EOF
sed 's/"store":false/"store":true/' "$OUT/responses.json" >"$OUT/responses-store.json"
cat >"$OUT/mcp.json" <<'EOF'
{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"gatehouse__whoami","arguments":{}}}
EOF
# The endpoint scenarios: one request each, in the shape of the provider's API reference.
sed 's/}$/,"stream":true}/; s/bench-fast/bench-stream/' "$OUT/messages.json" >"$OUT/messages-stream.json"
cp "$OUT/messages.json" "$OUT/count-tokens.json"
sed 's/}$/,"stream":true}/; s/bench-fast/bench-stream/' "$OUT/responses.json" >"$OUT/responses-stream.json"
cat >"$OUT/rerank.json" <<'EOF'
{"model":"bench-rerank","query":"Which greenhouse grows tomatoes in winter?","documents":["The harbour freezes in January.","The north greenhouse grows tomatoes all winter under lamps.","Bees sleep in the orchard until March."],"top_n":2}
EOF
cat >"$OUT/embeddings.json" <<'EOF'
{"model":"bench-embed","input":"Say hello to the benchmark in one short sentence, please.","encoding_format":"float"}
EOF
cat >"$OUT/vector-search.json" <<'EOF'
{"query":"Who opens the greenhouse in the morning?","max_num_results":5}
EOF
# file-search.json names the vector store, so setup_rag writes it.
cat >"$OUT/image.json" <<'EOF'
{"model":"bench-image","prompt":"A lighthouse at dawn, watercolour.","n":1,"size":"1024x1024","quality":"standard","response_format":"b64_json"}
EOF
cat >"$OUT/speech.json" <<'EOF'
{"model":"bench-speech","input":"Hello from the benchmark.","voice":"alloy","response_format":"wav"}
EOF
cat >"$OUT/moderation.json" <<'EOF'
{"model":"bench-moderation","input":"Say hello to the benchmark in one short sentence, please."}
EOF
cat >"$OUT/mcp-list.json" <<'EOF'
{"jsonrpc":"2.0","id":1,"method":"tools/list"}
EOF
# Binary payloads: a 0.25 s WAV (8 kHz, 8-bit mono silence) that the speech mock answers with and the
# transcription scenario uploads, and the multipart forms (boundary $FORM_BOUNDARY) of the uploads.
FORM_BOUNDARY=gatehouse-bench-7d9f3a1c
python3 - "$OUT" "$FORM_BOUNDARY" <<'EOF'
import struct, sys
out, boundary = sys.argv[1], sys.argv[2]
samples = b"\x80" * 2000
wav = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8) \
    + b"data" + struct.pack("<I", len(samples)) + samples
open(out + "/speech.wav", "wb").write(wav)
def form(fields, name, filename, content_type, data):
    body = b""
    for k, v in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
             f'Content-Type: {content_type}\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    return body
open(out + "/transcription.form", "wb").write(
    form([("model", "bench-whisper"), ("response_format", "json")], "file", "bench.wav", "audio/wav", wav))
handbook = ("The greenhouse is opened every morning at seven by the keeper, who also waters the seedlings. "
            "Visitors sign the book at the gate. ") * 8
open(out + "/handbook.txt", "w").write(handbook)
open(out + "/file-upload.form", "wb").write(
    form([("purpose", "assistants")], "file", "handbook.txt", "text/plain", handbook.encode()))
EOF

SSE=""
for i in $(seq 0 19); do
    if (( i == 19 )); then content="" finish='"stop"'; else content="word$i " finish=null; fi
    SSE+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","choices":[{"index":0,"delta":{"content":"'"$content"'"},"finish_reason":'"$finish"'}],"usage":null}\n\n'
done
SSE+='data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model","choices":[],"usage":{"prompt_tokens":25,"completion_tokens":19,"total_tokens":44}}\n\ndata: [DONE]\n\n'

printf '%b' "$SSE" >"$OUT/stream.sse"

# A non-streamed answer of Anthropic's Messages API (docs.anthropic.com, "Messages"), for translated64.
ANTHROPIC_MESSAGE='{"id":"msg_01BenchFixedAnswer000000000","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! This is a fixed answer from the benchmark mock upstream."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":12,"service_tier":"standard"}}'

# The endpoint scenarios' fixed answers, from the providers' API references (platform.openai.com/docs/api-reference):
# an embedding (16 dimensions: the vectors' size does not matter to the gateway, which passes them
# through), an image in b64_json (a 1x1 PNG), a transcription and a moderation. Speech is speech.wav.
EMBEDDING='{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0123,-0.0456,0.0789,-0.0112,0.0345,-0.0678,0.0901,-0.0234,0.0567,-0.0890,0.0123,-0.0456,0.0789,-0.0112,0.0345,-0.0678]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":12,"total_tokens":12}}'
# A rerank answer in the shape OpenAI-compatible rerank servers (Jina, vLLM, TEI, Infinity) give.
RERANK='{"id":"rerank-bench","model":"bge-reranker-v2-m3","results":[{"index":1,"relevance_score":0.91},{"index":0,"relevance_score":0.02}],"usage":{"total_tokens":41}}'
IMAGE='{"created":1700000000,"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==","revised_prompt":"A watercolour of a lighthouse at dawn."}]}'
TRANSCRIPTION='{"text":"Hello! This is a fixed transcript from the benchmark mock upstream.","usage":{"type":"duration","seconds":1}}'
MODERATION=$(python3 - <<'EOF'
import json
categories = ["harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
              "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic"]
print(json.dumps({"id": "modr-bench", "model": "omni-moderation-latest", "results": [{
    "flagged": False, "categories": {c: False for c in categories}, "category_scores": {c: 0.0001 for c in categories},
    "category_applied_input_types": {c: ["text"] for c in categories}}]}, separators=(",", ":")))
EOF
)

# ---------------------------------------------------------------- configs
{
    nginx_common mock
    cat <<EOF
    server {
        listen 127.0.0.1:$MOCK_PORT backlog=16384 reuseport;
        location = /fast/v1/chat/completions { default_type application/json; return 200 '$COMPLETION'; }
        location = /anthropic/v1/messages { default_type application/json; return 200 '$ANTHROPIC_MESSAGE'; }
        location = /fast/v1/embeddings { default_type application/json; return 200 '$EMBEDDING'; }
        location = /fast/v1/rerank { default_type application/json; return 200 '$RERANK'; }
        location = /fast/v1/images/generations { default_type application/json; return 200 '$IMAGE'; }
        location = /fast/v1/audio/transcriptions { default_type application/json; return 200 '$TRANSCRIPTION'; }
        location = /fast/v1/moderations { default_type application/json; return 200 '$MODERATION'; }
        location = /fast/v1/audio/speech { error_page 405 =200 /speech.wav; return 405; }
        location = /speech.wav { internal; types { } default_type audio/wav; root $OUT; }
        # The stream is longer than nginx's 4 KiB limit for a config string, so it is a file; the
        # static handler refuses POST, and error_page turns the request into an internal GET.
        location = /stream/v1/chat/completions { error_page 405 =200 /stream.sse; return 405; }
        location = /stream.sse { internal; types { } default_type text/event-stream; root $OUT; }
        # Model lists, so the gateway's start-up check of each provider finds it answering.
        location ~ ^/(fast|stream|anthropic)/v1/models\$ { default_type application/json; return 200 '{"object":"list","data":[],"has_more":false}'; }
        location / { return 404; }
    }
}
EOF
} >"$OUT/nginx-mock.conf"
{
    nginx_common proxy
    cat <<EOF
    upstream mock { server 127.0.0.1:$MOCK_PORT; keepalive 1024; }
    upstream jmock { server 127.0.0.1:$JMOCK_PORT; keepalive 1024; }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffering off;
    proxy_read_timeout 120s;
    server {
        listen 127.0.0.1:$PROXY_PORT backlog=16384 reuseport;
        location /delay/ { proxy_pass http://jmock; }
        location /slow/ { proxy_pass http://jmock; }
        location / { proxy_pass http://mock; }
    }
}
EOF
} >"$OUT/nginx-proxy.conf"
# Each feature is configured only when its scenario runs, so the other scenarios measure the
# default (cache off, no guardrails, no MCP servers, no media or embedding models).
selected() { [[ " $SCENARIOS " == *" $1 "* ]]; }
endpoints_selected() { local e; for e in $ENDPOINTS; do selected "$e" && return 0; done; return 1; }
endpoint_models() { # the media and embedding models of the endpoint scenarios, at the mock's /fast
    endpoints_selected || return 0
    cat <<EOF
  bench-embed: {type: embedding, targets: [{provider: fast, model: text-embedding-3-small}]}
  bench-rerank: {type: rerank, targets: [{provider: fast, model: bge-reranker-v2-m3}]}
  bench-image: {type: image, targets: [{provider: fast, model: dall-e-3}]}
  bench-speech: {type: speech, targets: [{provider: fast, model: tts-1}]}
  bench-whisper: {type: transcription, targets: [{provider: fast, model: whisper-1}]}
  bench-moderation: {type: moderation, targets: [{provider: fast, model: omni-moderation-latest}]}
EOF
}
cat >"$OUT/gatehouse.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $GW_PORT
  event-loops: ${BENCH_EVENT_LOOPS:-1}
providers:
  fast: {kind: openai, base-url: "http://127.0.0.1:$MOCK_PORT/fast/v1", api-key: sk-bench}
  stream: {kind: openai, base-url: "http://127.0.0.1:$MOCK_PORT/stream/v1", api-key: sk-bench}
  delay: {kind: openai, base-url: "http://127.0.0.1:$JMOCK_PORT/delay/v1", api-key: sk-bench}
  slow: {kind: openai, base-url: "http://127.0.0.1:$JMOCK_PORT/slow/v1", api-key: sk-bench}
  anthropic: {kind: anthropic, base-url: "http://127.0.0.1:$MOCK_PORT/anthropic", api-key: sk-ant-bench}
models:
  # Upstream model names the pricing catalogue knows, so budget reservations and settlements
  # do real cost arithmetic on every call.
  bench-fast: {targets: [{provider: fast, model: gpt-4o-mini}]}
  bench-stream: {targets: [{provider: stream, model: gpt-4o-mini}]}
  bench-delay: {targets: [{provider: delay, model: gpt-4o-mini}]}
  bench-slow: {targets: [{provider: slow, model: gpt-4o-mini}]}
  bench-cached: {targets: [{provider: fast, model: gpt-4o-mini}]}
  bench-anthropic: {targets: [{provider: anthropic, model: claude-sonnet-4-5}]}
  bench-pii: {targets: [{provider: fast, model: gpt-4o-mini}]}
$(endpoint_models)
auth:
  master-key: $KEY
EOF
if selected cached64; then
    cat >>"$OUT/gatehouse.yaml" <<EOF
cache:
  enabled: true
  model-ttl: {bench-fast: 0s, bench-stream: 0s, bench-delay: 0s, bench-slow: 0s, bench-anthropic: 0s, bench-pii: 0s}
EOF
fi
if selected pii64; then # on bench-pii only, so the scenarios sharing the run are not guarded
    cat >>"$OUT/gatehouse.yaml" <<EOF
guardrails:
  pii:
    type: pii
    entities: [email]
    action: mask
    apply-to: {models: [bench-pii]}
EOF
fi
if endpoints_selected; then
    cat >>"$OUT/gatehouse.yaml" <<EOF
rag:
  embedding-model: bench-embed
EOF
fi
if selected mcp64 || selected mcplist64; then
    cat >>"$OUT/gatehouse.yaml" <<EOF
mcp:
  servers:
    gatehouse: {transport: builtin}
EOF
fi

# ---------------------------------------------------------------- start the mocks (load core)
taskset -c "$LOAD_CPU" "$NGINX" -p "$OUT" -e "$OUT/nginx-mock.error.log" -c "$OUT/nginx-mock.conf" -g 'daemon off;' &
PIDS+=($!)
taskset -c "$LOAD_CPU" "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$ROOT/target/lib/*" \
    "$ROOT/bench/mock/BenchMock.java" "$JMOCK_PORT" "$DELAY_MS" "$SLOW_CHUNK_MS" >"$OUT/benchmock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/fast/v1/chat/completions" 200 10 POST || die "nginx mock did not start"
wait_http "http://127.0.0.1:$JMOCK_PORT/delay/v1/chat/completions" 200 30 POST || die "BenchMock did not start"

# ---------------------------------------------------------------- systems under test (gateway core)
NGINX_PROXY_PID=""
start_proxy() {
    taskset -c "$GW_CPU" "$NGINX" -p "$OUT" -e "$OUT/nginx-proxy.error.log" -c "$OUT/nginx-proxy.conf" -g 'daemon off;' &
    NGINX_PROXY_PID=$!
    PIDS+=("$NGINX_PROXY_PID")
    wait_http "http://127.0.0.1:$PROXY_PORT/fast/v1/chat/completions" 200 10 POST || die "nginx proxy did not start"
}
GW_PID=""
READY_MS=""
start_gateway() {
    local jfr=()
    if [[ ${BENCH_JFR:-0} == 1 ]]; then
        jfr=("-XX:StartFlightRecording=filename=$OUT/gatehouse.jfr,settings=profile,dumponexit=true")
    fi
    local t0
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    # Started the way users start it (./gatehouse start: the launcher's JVM flags and its startup
    # archive); the launcher execs java, so $! is the JVM's pid.
    JAVA_HOME=$(dirname "$(dirname "$JAVA")") GATEHOUSE_JAVA_OPTS="${BENCH_JAVA_OPTS:-} ${jfr[*]}" \
        taskset -c "$GW_CPU" "$ROOT/gatehouse" start --config "$OUT/gatehouse.yaml" --port "$GW_PORT" --data "$OUT/data" \
        >"$OUT/gatehouse.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    wait_http "http://127.0.0.1:$GW_PORT/health/ready" 200 30 || die "gateway not ready in 30 s, see $OUT/gatehouse.log"
    READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    log "gateway ready ${READY_MS} ms after start (pid $GW_PID)"
}

# CPU ticks (user+system, all threads) of a process and its children processes (nginx workers).
cpu_ticks() {
    local total=0 p
    for p in "$@"; do
        [[ -r /proc/$p/stat ]] || continue
        total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
    done
    echo "$total"
}
tree_pids() { echo "$1" $(pgrep -P "$1" 2>/dev/null || true); }
hwm_kib() {
    local total=0 p
    for p in "$@"; do
        [[ -r /proc/$p/status ]] && total=$((total + $(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")))
    done
    echo "$total"
}
reset_hwm() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }

# One request of a kind on the gateway: "METHOD PATH AUTH", AUTH being the caller's key (caller), the
# master key (master) or none. Its body, if it has one, is $OUT/<kind>.json (JSON) or $OUT/<kind>.form
# (multipart, boundary $FORM_BOUNDARY); the ids in paths come from the setup_* functions below.
gw_request() {
    case $1 in
        messages|messages-stream) echo "POST /v1/messages caller" ;;
        count-tokens) echo "POST /v1/messages/count_tokens caller" ;;
        responses|responses-store|responses-stream) echo "POST /v1/responses caller" ;;
        response-get) echo "GET /v1/responses/$STORED_RESPONSE caller" ;;
        response-delete) echo "DELETE /v1/responses/$PROBE_DELETE caller" ;; # wrk: each of $OUT/response-delete.paths
        mcp|mcp-list) echo "POST /mcp caller" ;;
        embeddings) echo "POST /v1/embeddings caller" ;;
        models) echo "GET /v1/models caller" ;;
        vector-search) echo "POST /v1/vector_stores/$VECTOR_STORE/search caller" ;;
        file-upload) echo "POST /v1/files caller" ;;
        image) echo "POST /v1/images/generations caller" ;;
        speech) echo "POST /v1/audio/speech caller" ;;
        transcription) echo "POST /v1/audio/transcriptions caller" ;;
        moderation) echo "POST /v1/moderations caller" ;;
        admin-key) echo "GET /admin/v1/keys/$KEY_ID master" ;;
        admin-team) echo "GET /admin/v1/teams/$team master" ;;
        ready) echo "GET /health/ready none" ;;
        metrics) echo "GET /metrics none" ;;
        rerank) echo "POST /v1/rerank caller" ;;
        *) echo "POST /v1/chat/completions caller" ;; # fast, stream, cached, translated, pii, file-search
    esac
}

url_of() { # target kind
    set -- "$1" "${2/cached/fast}" # direct and through nginx, the cached scenario is the fast one
    case $1 in
        direct) case $2 in fast|stream) echo "http://127.0.0.1:$MOCK_PORT/$2/v1/chat/completions" ;;
                           *) echo "http://127.0.0.1:$JMOCK_PORT/$2/v1/chat/completions" ;; esac ;;
        nginx) echo "http://127.0.0.1:$PROXY_PORT/$2/v1/chat/completions" ;;
        gatehouse) local method path auth
                   read -r method path auth <<<"$(gw_request "$2")"
                   echo "http://127.0.0.1:$GW_PORT$path" ;;
    esac
}

# wrk_load target kind conns seconds delay_ms threads output-file [paths-file]: wrk on the load core,
# sending that kind's request (bench/wrk/request.lua); the file ends with wrk's RESULT line. The
# caller's environment may add WRK_IDS_FILE (collect the answers' ids, see setup_responses).
wrk_load() {
    local target=$1 kind=$2 conns=$3 secs=$4 delay=$5 threads=$6 file=$7 paths=${8:-}
    local method=POST path auth=none body="" ctype=application/json key=""
    [[ $target == gatehouse ]] && read -r method path auth <<<"$(gw_request "$kind")"
    [[ -f $OUT/$kind.json ]] && body=$OUT/$kind.json
    [[ -f $OUT/$kind.form ]] && body=$OUT/$kind.form ctype="multipart/form-data; boundary=$FORM_BOUNDARY"
    case $auth in caller) key=$CALLER_KEY ;; master) key=$KEY ;; esac
    BENCH_METHOD=$method BENCH_BODY_FILE=$body BENCH_CONTENT_TYPE=$ctype BENCH_KEY=$key BENCH_DELAY_MS=$delay \
        BENCH_MCP_SESSION=$([[ $kind == mcp* ]] && echo "$MCP_SESSION") BENCH_PATHS_FILE=$paths BENCH_IDS_FILE=${WRK_IDS_FILE:-} \
        timeout $((secs + 60)) taskset -c "$LOAD_CPU" wrk -t "$threads" -c "$conns" -d "${secs}s" --timeout 60s \
        -s "$ROOT/bench/wrk/request.lua" "$(url_of "$target" "$kind")" >"$file" 2>&1
}

# run_wrk scenario target kind conns seconds delay_ms threads
run_wrk() {
    local scenario=$1 target=$2 kind=$3 conns=$4 secs=$5 delay=$6 threads=$7
    local pids=() file="$OUT/wrk/$scenario-$target.txt"
    case $target in
        gatehouse) pids=("$GW_PID") ;;
        nginx) read -ra pids <<<"$(tree_pids "$NGINX_PROXY_PID")" ;;
        direct) pids=() ;;
    esac
    (( ${#pids[@]} )) && reset_hwm "${pids[@]}"
    local c0 c1
    c0=$(cpu_ticks "${pids[@]}")
    wrk_load "$target" "$kind" "$conns" "$secs" "$delay" "$threads" "$file" "$([[ -f $OUT/$kind.paths ]] && echo "$OUT/$kind.paths")" \
        || log "wrk exited non-zero ($scenario $target)"
    c1=$(cpu_ticks "${pids[@]}")
    local line
    line=$(grep '^RESULT' "$file" || echo "RESULT requests=0 duration_us=1 p50_us=0 p99_us=0 err_connect=0 err_read=0 err_write=0 err_status=0 err_timeout=0")
    local hwm=0
    (( ${#pids[@]} )) && hwm=$(hwm_kib "${pids[@]}")
    echo "$line" | awk -v s="$scenario" -v t="$target" -v c="$conns" -v dc="$((c1 - c0))" -v tck="$CLK_TCK" -v hwm="$hwm" -v haspid="${#pids[@]}" '
        { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        END {
            rps = v["requests"] / (v["duration_us"] / 1e6)
            errors = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_status"] + v["err_timeout"]
            cpu = (haspid > 0 && v["requests"] > 0) ? sprintf("%.1f", dc / tck * 1e6 / v["requests"]) : "-"
            cpupct = (haspid > 0) ? sprintf("%.0f", dc / tck / (v["duration_us"] / 1e6) * 100) : "-"
            rss = (haspid > 0) ? sprintf("%.0f", hwm / 1024) : "-"
            printf "%s\t%s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%d\t%s\t%s\t%s\n", s, t, c, v["requests"], rps, v["p50_us"] / 1000, v["p99_us"] / 1000, errors, cpu, cpupct, rss
        }' >>"$TSV"
    log "$(tail -n 1 "$TSV" | tr '\t' ' ')"
}

# scenario name -> "kind conns delay_ms threads seconds"
scenario_args() {
    case $1 in
        closed16) echo "fast 16 0 1 $DURATION" ;;
        closed64) echo "fast 64 0 1 $DURATION" ;;
        cached64) echo "cached 64 0 1 $DURATION" ;;                                    # every request but the first a cache hit
        anthropic64) echo "messages 64 0 1 $DURATION" ;;
        translated64) echo "translated 64 0 1 $DURATION" ;;
        pii64) echo "pii 64 0 1 $DURATION" ;;
        responses64) echo "responses 64 0 1 $DURATION" ;;
        responses64store) echo "responses-store 64 0 1 $DURATION" ;;
        mcp64) echo "mcp 64 0 1 $DURATION" ;;
        rate500) echo "fast 10 $((10 * 1000 / RATE)) 1 $DURATION" ;;                 # 10 conns x (20 ms + latency)
        stream64) echo "stream 64 0 1 $DURATION" ;;
        delay500) echo "delay 50 $((50 * 1000 / RATE - DELAY_MS)) 1 $DURATION" ;;   # 50 conns x (50 ms wait + 50 ms answer)
        streams5000) echo "slow $STREAMS 0 2 $((20 * SLOW_CHUNK_MS / 1000 + 4))" ;; # every stream lasts 20 chunks
        embeddings64) echo "embeddings 64 0 1 $DURATION" ;;
        models64) echo "models 64 0 1 $DURATION" ;;
        counttokens4) echo "count-tokens 4 0 1 $DURATION" ;;                          # its CPU pool admits 4 per core, then 503
        anthropicstream64) echo "messages-stream 64 0 1 $DURATION" ;;
        responsesstream64) echo "responses-stream 64 0 1 $DURATION" ;;
        responseget64) echo "response-get 64 0 1 $DURATION" ;;
        responsedelete64) echo "response-delete 64 0 1 $DURATION" ;;
        vectorsearch64) echo "vector-search 64 0 1 $DURATION" ;;
        filesearch64) echo "file-search 64 0 1 $DURATION" ;;
        fileupload64) echo "file-upload 64 0 1 $DURATION" ;;
        images64) echo "image 64 0 1 $DURATION" ;;
        speech64) echo "speech 64 0 1 $DURATION" ;;
        transcription64) echo "transcription 64 0 1 $DURATION" ;;
        moderations64) echo "moderation 64 0 1 $DURATION" ;;
        mcplist64) echo "mcp-list 64 0 1 $DURATION" ;;
        adminkey64) echo "admin-key 64 0 1 $DURATION" ;;
        adminteam64) echo "admin-team 64 0 1 $DURATION" ;;
        ready64) echo "ready 64 0 1 $DURATION" ;;
        metrics4) echo "metrics 4 0 1 $DURATION" ;;                                  # a scraper's load, not a caller's
        rerank64) echo "rerank 64 0 1 $DURATION" ;;
        *) die "unknown scenario $1" ;;
    esac
}

# The systems each scenario runs against: the feature and endpoint scenarios measure the gateway only.
targets_of() {
    case $1 in
        closed16|closed64|rate500|stream64|delay500|streams5000|cached64) echo direct nginx gatehouse ;;
        *) echo gatehouse ;;
    esac
}

warm() { # target
    log "warming up $1 for ${WARMUP}s"
    local kind
    for kind in fast stream; do
        wrk_load "$1" "$kind" 32 "$((WARMUP / 2 + 1))" 0 1 "$OUT/wrk/warmup-$1-$kind.txt" || true
    done
}

printf 'scenario\ttarget\tconns\trequests\trps\tp50_ms\tp99_ms\terrors\tcpu_us_per_req\tcpu_pct\tpeak_rss_mib\n' >"$TSV"
{
    echo "date: $(date -Is)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '-dirty')"
    echo "cpu: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) cores"
    echo "kernel: $(uname -r)"
    echo "java: $("$JAVA" -version 2>&1 | head -n 1)"
    echo "nginx: $("$NGINX" -v 2>&1)"
    echo "wrk: $(wrk -v 2>&1 | head -n 1)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "settings: duration=${DURATION}s warmup=${WARMUP}s rate=$RATE streams=$STREAMS slow_chunk_ms=$SLOW_CHUNK_MS delay_ms=$DELAY_MS java_opts='${BENCH_JAVA_OPTS:-}'"
} >"$OUT/machine.txt"

# The production path: load comes with a team's virtual key that has a rate limit (RPM, TPM,
# concurrency) and a monthly budget, so every request is authenticated from the key registry,
# rate limited, budget-reserved and settled. The limits are set high enough never to refuse.
CALLER_KEY="" team="" KEY_ID=""
setup_governance() {
    local gw="http://127.0.0.1:$GW_PORT/admin/v1" h=(-sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
    local key_json key_id
    team=$(curl "${h[@]}" -X POST "$gw/teams" -d '{"name":"bench"}' | json_field id) \
        || die "could not create the bench team"
    key_json=$(curl "${h[@]}" -X POST "$gw/keys" -d "{\"name\":\"bench\",\"owner_id\":\"$team\"}") || die "could not create the bench key"
    CALLER_KEY=$(json_field key <<<"$key_json")
    key_id=$(json_field id <<<"$key_json")
    curl "${h[@]}" -X POST "$gw/rate-limits" -o /dev/null \
        -d "{\"scope\":\"key\",\"subject\":\"$key_id\",\"rpm\":100000000,\"tpm\":10000000000,\"concurrent\":100000}" \
        || die "could not create the bench rate limit"
    curl "${h[@]}" -X POST "$gw/budgets" -o /dev/null \
        -d "{\"scope\":\"key\",\"subject\":\"$key_id\",\"period\":\"month\",\"limit_usd\":\"1000000000\"}" \
        || die "could not create the bench budget"
    sleep 6 # limits and budgets reach every node's memory within their 5 s refresh
    KEY_ID=$key_id
    log "production path: virtual key $key_id (team $team) with a rate limit and a budget"
}

# mcp64, mcplist64: MCP tools are denied by default, so a policy grants the bench team the built-in server's
# `whoami`; the session is initialized once and every call carries its signed Mcp-Session-Id.
MCP_SESSION=""
setup_mcp() {
    local gw="http://127.0.0.1:$GW_PORT" h=(-sf -m 10 -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
    local policy
    policy=$(curl "${h[@]}" -X POST "$gw/admin/v1/policies" \
        -d "{\"name\":\"bench-mcp\",\"team_id\":\"$team\",\"mcp_servers\":[\"gatehouse\"],\"mcp_tools\":[\"gatehouse/whoami\"]}" \
        | json_field id) || die "could not create the bench MCP policy"
    curl "${h[@]}" -X POST "$gw/admin/v1/policies/$policy/attachments" -o /dev/null \
        -d "{\"subject_type\":\"team\",\"subject_id\":\"$team\"}" || die "could not attach the bench MCP policy"
    local c=(-s -m 10 -H "Authorization: Bearer $CALLER_KEY" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
    local deadline=$((SECONDS + 30))
    # The built-in server is connected and supervised like any other: wait until it lists its tools.
    until curl "${c[@]}" "$gw/mcp" -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' | grep -q 'gatehouse__whoami'; do
        (( SECONDS < deadline )) || die "the built-in MCP server did not offer whoami within 30 s"
        sleep 0.2
    done
    MCP_SESSION=$(curl "${c[@]}" -D - -o "$OUT/mcp-initialize.json" "$gw/mcp" \
        -d '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"gatehouse-bench","version":"1"}}}' \
        | awk -F': *' 'tolower($1) == "mcp-session-id" { sub(/\r$/, "", $2); print $2 }')
    [[ -n $MCP_SESSION ]] || die "MCP initialize returned no Mcp-Session-Id, see $OUT/mcp-initialize.json"
    curl "${c[@]}" -o /dev/null -H "Mcp-Session-Id: $MCP_SESSION" "$gw/mcp" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    log "mcp: policy $policy grants team $team gatehouse/whoami; session initialized"
}

# responseget64 reads one stored response; responsedelete64 deletes responses stored just before it
# (a stored response can be deleted once): a closed64-like load of "store": true answers whose ids
# request.lua collects, then split into the warm-up's share and the measured run's.
STORED_RESPONSE="" PROBE_DELETE=""
setup_responses() {
    local c=(-sf -m 10 -H "Authorization: Bearer $CALLER_KEY" -H 'Content-Type: application/json')
    STORED_RESPONSE=$(curl "${c[@]}" --data-binary "@$OUT/responses-store.json" "http://127.0.0.1:$GW_PORT/v1/responses" \
        | json_field id) || die "could not store a response"
    selected responsedelete64 || return 0
    local secs=$(( (FEATURE_WARMUP + DURATION) * 2 + 1 )) ids="$OUT/response-delete.ids" n warm
    log "responsedelete64: storing responses to delete for ${secs}s"
    : >"$ids"
    WRK_IDS_FILE=$ids wrk_load gatehouse responses-store 64 "$secs" 0 1 "$OUT/wrk/setup-response-delete.txt" || true
    n=$(wc -l <"$ids")
    (( n > 100 )) || die "responsedelete64: only $n responses stored, see $OUT/wrk/setup-response-delete.txt"
    PROBE_DELETE=$(head -n 1 "$ids")
    warm=$(( (n - 1) * FEATURE_WARMUP / (FEATURE_WARMUP + DURATION) ))
    sed -n "2,$((warm + 1))p" "$ids" | sed 's#^#/v1/responses/#' >"$OUT/response-delete-warmup.paths"
    sed -n "$((warm + 2)),\$p" "$ids" | sed 's#^#/v1/responses/#' >"$OUT/response-delete.paths"
    log "responsedelete64: $n responses stored, $warm for the warm-up, $((n - 1 - warm)) for the measured run (which ends early if they run out)"
}

# vectorsearch64, filesearch64: one vector store of the bench team holding one small text file,
# embedded (at ingestion and for every query) by bench-embed through the mock's fixed embedding.
VECTOR_STORE=""
setup_rag() {
    local gw="http://127.0.0.1:$GW_PORT/v1" c=(-sf -m 10 -H "Authorization: Bearer $CALLER_KEY") file status
    file=$(curl "${c[@]}" -H "Content-Type: multipart/form-data; boundary=$FORM_BOUNDARY" --data-binary "@$OUT/file-upload.form" \
        "$gw/files" | json_field id) || die "could not upload the bench file"
    VECTOR_STORE=$(curl "${c[@]}" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$gw/vector_stores" | json_field id) \
        || die "could not create the bench vector store"
    curl "${c[@]}" -o /dev/null -H 'Content-Type: application/json' -d "{\"file_id\":\"$file\"}" "$gw/vector_stores/$VECTOR_STORE/files" \
        || die "could not attach the bench file"
    local deadline=$((SECONDS + 30))
    until status=$(curl "${c[@]}" "$gw/vector_stores/$VECTOR_STORE/files/$file" | json_field status) && [[ $status == completed ]]; do
        [[ $status == failed ]] && die "the bench file's ingestion failed (see $OUT/gatehouse.log)"
        (( SECONDS < deadline )) || die "the bench file was not ingested within 30 s (status: $status)"
        sleep 0.2
    done
    cat >"$OUT/file-search.json" <<EOF
{"model":"bench-fast","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Who opens the greenhouse in the morning?"}],"temperature":0.2,"max_tokens":64,"tools":[{"type":"file_search","vector_store_ids":["$VECTOR_STORE"],"max_num_results":5}]}
EOF
    log "rag: vector store $VECTOR_STORE holds $file"
}

# One call of a feature or endpoint scenario before it is measured, checked for the answer that
# scenario must give (a 200 with the wrong content would count as a success in wrk's table). Kept in
# probe-*.txt.
probe() { # scenario kind
    local file="$OUT/probe-$1.txt" expect method path auth hs=()
    read -r method path auth <<<"$(gw_request "$2")"
    case $auth in caller) hs+=(-H "Authorization: Bearer $CALLER_KEY") ;; master) hs+=(-H "Authorization: Bearer $KEY") ;; esac
    [[ $2 == mcp* ]] && hs+=(-H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $MCP_SESSION")
    [[ -f $OUT/$2.json ]] && hs+=(-H 'Content-Type: application/json' --data-binary "@$OUT/$2.json")
    [[ -f $OUT/$2.form ]] && hs+=(-H "Content-Type: multipart/form-data; boundary=$FORM_BOUNDARY" --data-binary "@$OUT/$2.form")
    curl -s -m 10 -D - -X "$method" "${hs[@]}" "$(url_of gatehouse "$2")" >"$file" || true
    case $2 in
        messages) expect='"type":"message".*"text":"Hello! This is a fixed answer' ;;
        messages-stream) expect='^event: message_stop' ;;
        count-tokens) expect='"input_tokens":[1-9]' ;;
        translated) expect='"object":"chat.completion".*"content":"Hello! This is a fixed answer from the benchmark mock upstream."' ;;
        pii) expect='^x-gatehouse-guardrails: pii=masked' ;;
        responses-stream) expect='^event: response.completed' ;;
        responses*|response-get) expect='"object":"response".*"status":"completed"' ;;
        response-delete) expect='"deleted":true' ;;
        mcp) expect='"result":{"content":\[{"type":"text","text":"{\\"authenticated_by\\":\\"virtual-key\\"' ;;
        mcp-list) expect='"result":{"tools":\[.*"gatehouse__whoami"' ;;
        embeddings) expect='"object":"embedding".*"embedding":\[0.0123' ;;
        rerank) expect='"results":\[{"index":1,"relevance_score":0.91' ;;
        models) expect='"id":"bench-fast"' ;;
        vector-search) expect='"file_id":"file-.*greenhouse' ;;
        file-search) expect='"gatehouse_file_search".*"results":\[{"index":1' ;;
        file-upload) expect='"object":"file"' ;;
        image) expect='"b64_json":"iVBORw0KGgo' ;;
        speech) expect='^content-type: audio/wav' ;;
        transcription) expect='"text":"Hello! This is a fixed transcript' ;;
        moderation) expect='"flagged":false' ;;
        admin-key) expect="\"id\":\"$KEY_ID\"" ;;
        admin-team) expect="\"id\":\"$team\"" ;;
        ready) expect='"status":"ready"' ;;
        metrics) expect='^# TYPE ' ;;
        *) expect='"object":"chat.completion"' ;;
    esac
    head -n 1 "$file" | grep -q ' 200' && grep -qi -e "$expect" "$file" && ! grep -q '"isError":true' "$file" \
        || die "$1: the probe call did not give the expected answer, see $file"
}

# ---------------------------------------------------------------- run: direct, nginx, gatehouse
start_proxy
start_gateway
setup_governance
if selected mcp64 || selected mcplist64; then setup_mcp; fi
if selected responseget64 || selected responsedelete64; then setup_responses; fi
if selected vectorsearch64 || selected filesearch64; then setup_rag; fi
warm nginx
warm gatehouse
for scenario in $SCENARIOS; do
    read -r kind conns delay threads secs <<<"$(scenario_args "$scenario")"
    log "scenario $scenario: $kind, $conns connections, delay ${delay} ms, ${secs}s"
    if [[ " $FEATURES $ENDPOINTS " == *" $scenario "* ]]; then
        probe "$scenario" "$kind"
        if (( FEATURE_WARMUP > 0 )); then
            log "warming up $scenario on the gateway for ${FEATURE_WARMUP}s"
            wrk_load gatehouse "$kind" "$conns" "$FEATURE_WARMUP" 0 1 "$OUT/wrk/warmup-$scenario.txt" \
                "$([[ -f $OUT/$kind-warmup.paths ]] && echo "$OUT/$kind-warmup.paths")" || true
        fi
    fi
    for target in $(targets_of "$scenario"); do
        run_wrk "$scenario" "$target" "$kind" "$conns" "$secs" "$delay" "$threads"
        sleep 1
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "gateway ready after start: ${READY_MS} ms" >>"$OUT/machine.txt"

# ---------------------------------------------------------------- summary
"$ROOT/bench/summary.sh" "$OUT" | tee "$OUT/summary.md"

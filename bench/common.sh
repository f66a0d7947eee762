# Pieces shared by the load benchmarks (bench/run.sh, bench/cluster.sh): the fixed request and answer,
# the nginx configuration head, reading a JSON answer, and waiting for a server. Sourced, not run; $OUT must be set.

# The request every closed-loop scenario sends (others derive theirs from it).
BENCH_FAST_BODY='{"model":"bench-fast","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello to the benchmark in one short sentence, please."}],"temperature":0.2,"max_tokens":64}'

# The mock upstream's fixed chat completion.
COMPLETION='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a fixed answer from the benchmark mock upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":12,"total_tokens":37}}'

# The head of an nginx configuration named $1 (one worker, many connections, no access log, files
# under $OUT), open at `http {`: the caller writes its servers and the closing brace.
nginx_common() {
    cat <<NGINX
worker_processes 1;
worker_rlimit_nofile 20000;
pid $OUT/nginx-$1.pid;
error_log $OUT/nginx-$1.error.log warn;
events { worker_connections 19000; multi_accept on; }
http {
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_temp_path $OUT/tmp/$1-body;
    proxy_temp_path $OUT/tmp/$1-proxy;
    fastcgi_temp_path $OUT/tmp/$1-fastcgi;
    uwsgi_temp_path $OUT/tmp/$1-uwsgi;
    scgi_temp_path $OUT/tmp/$1-scgi;
NGINX
}

# One field of the JSON object on stdin: `curl ... | json_field id`.
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

wait_http() { # url expect-code seconds [method]
    local deadline=$((SECONDS + $3))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' -X "${4:-GET}" "$1" 2>/dev/null) == "$2" ]]; do
        (( SECONDS < deadline )) || return 1
        sleep 0.01
    done
}

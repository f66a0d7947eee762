-- wrk script for the Gatehouse benchmark: POSTs the body in $BENCH_BODY_FILE, with the key
-- from $BENCH_KEY and the MCP session from $BENCH_MCP_SESSION when set, optionally waiting
-- $BENCH_DELAY_MS before each request on a connection (fixed-rate mode: rate = connections * 1000
-- / (mean delay + latency)), and prints one machine-readable RESULT line at the end.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key ~= nil and key ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. key
end
-- MCP calls (mcp64): the signed session from the script's one initialize, and the Accept header
-- streamable HTTP clients send.
local session = os.getenv("BENCH_MCP_SESSION")
if session ~= nil and session ~= "" then
    wrk.headers["Mcp-Session-Id"] = session
    wrk.headers["Accept"] = "application/json, text/event-stream"
end

-- The wait before each request is drawn uniformly from [0, 2 * BENCH_DELAY_MS] (mean
-- BENCH_DELAY_MS), not fixed: with a fixed wait the connections, all opened together, stay in
-- lockstep and the "fixed rate" arrives as bursts of one request per connection at a time,
-- which measures queueing behind the burst rather than the added latency of one request.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
if delay_ms > 0 then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    function delay()
        return math.random(0, 2 * delay_ms)
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
        "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration, summary.bytes,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.connect, e.read, e.write, e.status, e.timeout))
end

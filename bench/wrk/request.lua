-- wrk script for the Gatehouse benchmark. One request, repeated:
--   BENCH_METHOD        [POST] the HTTP method
--   BENCH_BODY_FILE     the body, sent as is (none when unset or empty: GET, DELETE)
--   BENCH_CONTENT_TYPE  [application/json] the body's Content-Type (a multipart form names its boundary)
--   BENCH_KEY           sent as "Authorization: Bearer <key>" when set
--   BENCH_MCP_SESSION   the signed MCP session (mcp64, mcplist64), with the Accept header streamable
--                       HTTP clients send
--   BENCH_DELAY_MS      a wait before each request on a connection (fixed-rate mode: rate =
--                       connections * 1000 / (mean delay + latency))
-- and two for requests that can be made only once (deleting a stored response):
--   BENCH_PATHS_FILE    one path per line; each request takes the next line. When they are used up
--                       and answered, wrk ends early (run with one thread: -t 1)
--   BENCH_IDS_FILE      every answer's first "id" is appended to this file (to make such a list)
-- At the end it prints one machine-readable RESULT line.
local function env(name)
    local v = os.getenv(name)
    if v == nil or v == "" then return nil end
    return v
end

local function slurp(name)
    local f = assert(io.open(name, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

wrk.method = env("BENCH_METHOD") or "POST"
local body_file = env("BENCH_BODY_FILE")
if body_file then
    wrk.body = slurp(body_file)
    wrk.headers["Content-Type"] = env("BENCH_CONTENT_TYPE") or "application/json"
end
local key = env("BENCH_KEY")
if key then
    wrk.headers["Authorization"] = "Bearer " .. key
end
local session = env("BENCH_MCP_SESSION")
if session then
    wrk.headers["Mcp-Session-Id"] = session
    wrk.headers["Accept"] = "application/json, text/event-stream"
end

-- The wait before each request is drawn uniformly from [0, 2 * BENCH_DELAY_MS] (mean
-- BENCH_DELAY_MS), not fixed: with a fixed wait the connections, all opened together, stay in
-- lockstep and the "fixed rate" arrives as bursts of one request per connection at a time,
-- which measures queueing behind the burst rather than the added latency of one request.
local delay_ms = tonumber(env("BENCH_DELAY_MS") or "0") or 0
if delay_ms > 0 then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    function delay()
        return math.random(0, 2 * delay_ms)
    end
end

local paths_file = env("BENCH_PATHS_FILE")
local ids_file = env("BENCH_IDS_FILE")
if paths_file then
    -- sent starts at -1: wrk calls request() once before the run to check the script (on the
    -- first thread's state), and that request is never sent.
    local paths, sent, answered = {}, -1, 0
    for line in io.lines(paths_file) do
        if line ~= "" then paths[#paths + 1] = line end
    end
    function request()
        sent = sent + 1
        if sent > #paths then
            return "" -- nothing left to send: this connection waits for the end
        end
        return wrk.format(nil, paths[math.max(sent, 1)])
    end
    function response(status, headers, body)
        answered = answered + 1
        if answered == #paths then
            -- wrk's main thread sleeps for the whole duration unless interrupted; its SIGINT
            -- handler ends the run and still prints the summary. The shell's parent is wrk, and
            -- the signal is sent from the background: os.execute ignores SIGINT until it returns.
            wrk.thread:stop()
            os.execute("(sleep 0.01; kill -INT $PPID) &")
        end
    end
elseif ids_file then
    local out = assert(io.open(ids_file, "a"))
    function response(status, headers, body)
        local id = status == 200 and body:match('"id"%s*:%s*"([^"]+)"')
        if id then
            out:write(id, "\n")
            out:flush()
        end
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

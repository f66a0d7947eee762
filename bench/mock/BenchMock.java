import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The part of the benchmark's mock upstream that nginx cannot do without extra modules: answers
 * that wait. Run with the gateway's own runtime jars, as a single source file:
 *
 *   java -cp 'target/lib/*' bench/mock/BenchMock.java PORT DELAY_MS SLOW_CHUNK_MS
 *
 * POST /delay/v1/chat/completions  fixed chat completion after DELAY_MS (one timer per request)
 * POST /slow/v1/chat/completions   a 20-chunk SSE stream, one chunk every SLOW_CHUNK_MS
 * Anything else: 404. One event loop: it shares its core with wrk and the nginx mock.
 */
public final class BenchMock {
    static final String COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"Hello! This is a fixed answer from the benchmark mock upstream.\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":12,\"total_tokens\":37}}";

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        long delayMs = Long.parseLong(args[1]);
        long chunkMs = Long.parseLong(args[2]);
        Buffer completion = Buffer.buffer(COMPLETION);
        Buffer[] chunks = new Buffer[22];
        for (int i = 0; i < 20; i++) {
            String finish = i == 19 ? "\"stop\"" : "null";
            String content = i == 19 ? "" : "word" + i + " ";
            chunks[i] = Buffer.buffer("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},"
                    + "\"finish_reason\":" + finish + "}],\"usage\":null}\n\n");
        }
        chunks[20] = Buffer.buffer("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":19,\"total_tokens\":44}}\n\n");
        chunks[21] = Buffer.buffer("data: [DONE]\n\n");
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
        vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true).setAcceptBacklog(16384))
                .requestHandler(req -> req.body().onComplete(b -> handle(vertx, req, delayMs, chunkMs, completion, chunks)))
                .listen()
                .onSuccess(s -> System.out.println("bench mock listening on " + s.actualPort()))
                .onFailure(t -> { t.printStackTrace(); System.exit(1); });
    }

    static void handle(Vertx vertx, HttpServerRequest req, long delayMs, long chunkMs, Buffer completion, Buffer[] chunks) {
        String path = req.path();
        if (path.startsWith("/delay/")) {
            vertx.setTimer(delayMs, t -> req.response().putHeader("content-type", "application/json").end(completion));
        } else if (path.startsWith("/slow/")) {
            req.response().setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
            int[] next = {0};
            long[] timer = {-1};
            req.response().closeHandler(v -> vertx.cancelTimer(timer[0]));
            timer[0] = vertx.setPeriodic(chunkMs, chunkMs, id -> {
                int i = next[0]++;
                if (req.response().closed()) {
                    vertx.cancelTimer(id);
                } else if (i < 19) {
                    req.response().write(chunks[i]);
                } else {
                    vertx.cancelTimer(id);
                    req.response().end(Buffer.buffer().appendBuffer(chunks[19]).appendBuffer(chunks[20]).appendBuffer(chunks[21]));
                }
            });
        } else {
            req.response().setStatusCode(404).end();
        }
    }
}

package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake OpenAI (and Azure OpenAI) upstream for integration tests: a real HTTP server on
 * 127.0.0.1 with an ephemeral port that validates requests as strictly as the real API, answers
 * in the documented shapes, and can be told to misbehave.
 *
 * <pre>{@code
 * try (FakeOpenAi fake = FakeOpenAi.start()) {
 *     fake.answer("Hi!").usage(10, 2, 0, 0).failNext(1, Fault.rateLimited(1));
 *     // point the gateway at fake.baseUrl() with key FakeOpenAi.DEFAULT_KEY ...
 *     assertThat(fake.requestCount()).isEqualTo(2);
 * }
 * }</pre>
 *
 * <p>Endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/embeddings},
 * {@code GET /v1/models[/{id}]} with {@code Authorization: Bearer KEY}; and Azure's
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=...} and
 * {@code .../embeddings?api-version=...} with an {@code api-key: KEY} header.
 *
 * <p>Processing order for every request: record → authenticate → route/validate → fault → answer.
 * So every request is recorded, and faults are consumed only by requests that would otherwise succeed.
 *
 * <p>All setters are thread-safe and may be called while requests are in flight; each request
 * works on a snapshot of the behaviour taken when its body has arrived.
 */
public final class FakeOpenAi implements AutoCloseable {

    public static final String DEFAULT_KEY = "sk-fake-test-key";
    public static final String DEFAULT_ANSWER = "Hello from the fake upstream.";
    public static final String SYSTEM_FINGERPRINT = "fp_fake0001";
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** A tool call the fake answers with. {@code arguments} is the JSON text of the arguments. */
    public record ToolCallSpec(String id, String name, String arguments) {
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern AZURE_PATH = Pattern.compile("^/openai/deployments/([^/]+)/(chat/completions|embeddings)$");
    private static final Pattern MODEL_PATH = Pattern.compile("^/v1/models/([^/]+)$");

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final HttpServer server;
    private final String scheme;
    private final Object lock = new Object();
    private final AtomicLong ids = new AtomicLong();

    // ---- state guarded by lock ----
    private Settings settings = new Settings();
    private final List<FaultSlot> faults = new ArrayList<>();
    private String expectedKey = DEFAULT_KEY;
    private final Map<String, Fault> keyFaults = new LinkedHashMap<>();
    private int clientDisconnects;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile Consumer<JsonNode> onRequest = j -> { };

    private FakeOpenAi(Vertx vertx, boolean ownsVertx) {
        this(vertx, ownsVertx, null);
    }

    private FakeOpenAi(Vertx vertx, boolean ownsVertx, java.util.function.Consumer<HttpServerOptions> tls) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0);
        if (tls != null) {
            options.setSsl(true);
            tls.accept(options);
        }
        this.scheme = tls == null ? "http" : "https";
        this.server = vertx.createHttpServer(options).requestHandler(this::handle);
    }

    /** Starts a fake that serves HTTPS; {@code tls} sets its certificate (and client authentication, if any). */
    public static FakeOpenAi startHttps(java.util.function.Consumer<HttpServerOptions> tls) {
        FakeOpenAi fake = new FakeOpenAi(Vertx.vertx(), true, tls);
        await(fake.server.listen());
        return fake;
    }

    /** Starts a fake on its own Vert.x instance (closed by {@link #close()}). */
    public static FakeOpenAi start() {
        return startOn(Vertx.vertx(), true);
    }

    /** Starts a fake on a caller-owned Vert.x instance ({@link #close()} leaves it running). */
    public static FakeOpenAi start(Vertx vertx) {
        return startOn(vertx, false);
    }

    private static FakeOpenAi startOn(Vertx vertx, boolean owns) {
        FakeOpenAi fake = new FakeOpenAi(vertx, owns);
        await(fake.server.listen());
        return fake;
    }

    public int port() {
        return server.actualPort();
    }

    /** OpenAI-style base URL: {@code http://127.0.0.1:PORT/v1}. */
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** Scheme, host and port, e.g. for an Azure "endpoint" setting: {@code http://127.0.0.1:PORT}. */
    public String origin() {
        return scheme + "://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        try {
            await(server.close());
        } finally {
            if (ownsVertx) await(vertx.close());
        }
    }

    // =============================================================================================
    // Behaviour control (fluent)
    // =============================================================================================

    /** The key expected in {@code Authorization: Bearer} (OpenAI) or {@code api-key} (Azure). Not affected by {@link #reset()}. */
    public FakeOpenAi expectKey(String key) {
        synchronized (lock) { expectedKey = key; }
        return this;
    }

    /** The answer text; streamed split into words (each with its leading space) unless {@link #chunks} / {@link #chunkTexts} say otherwise. */
    public FakeOpenAi answer(String text) {
        synchronized (lock) { settings.answer = text; settings.chunkTexts = null; }
        return this;
    }

    /** Stream the answer as exactly these content pieces (the answer becomes their concatenation). */
    public FakeOpenAi chunkTexts(String... pieces) {
        if (pieces.length == 0) throw new IllegalArgumentException("at least one piece");
        synchronized (lock) { settings.chunkTexts = List.of(pieces); settings.answer = String.join("", pieces); settings.chunkCount = 0; }
        return this;
    }

    /** Stream the answer as {@code n} content pieces of near-equal length. */
    public FakeOpenAi chunks(int n) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1");
        synchronized (lock) { settings.chunkCount = n; settings.chunkTexts = null; }
        return this;
    }

    /** Answer with these tool calls (content becomes null, finish_reason "tool_calls" unless set). Empty = none. */
    public FakeOpenAi toolCalls(ToolCallSpec... calls) {
        synchronized (lock) { settings.toolCalls = List.of(calls); }
        return this;
    }

    /** Usage numbers reported (total = prompt + completion). Defaults: 12, 7, 0, 0. */
    public FakeOpenAi usage(int promptTokens, int completionTokens, int cachedTokens, int reasoningTokens) {
        synchronized (lock) {
            settings.promptTokens = promptTokens;
            settings.completionTokens = completionTokens;
            settings.cachedTokens = cachedTokens;
            settings.reasoningTokens = reasoningTokens;
        }
        return this;
    }

    /**
     * Reports no usage at all (like some OpenAI-compatible servers): no {@code usage} in
     * non-streamed answers and no usage chunk in streams, even when asked for.
     */
    public FakeOpenAi noUsage() {
        synchronized (lock) { settings.noUsage = true; }
        return this;
    }

    /** finish_reason to report; {@code null} = automatic ("stop", or "tool_calls" when tool calls are set). */
    public FakeOpenAi finishReason(String reason) {
        synchronized (lock) { settings.finishReason = reason; }
        return this;
    }

    /** The {@code model} reported in responses; {@code null} (default) echoes the request's model (Azure: the deployment). */
    public FakeOpenAi responseModel(String model) {
        synchronized (lock) { settings.responseModel = model; }
        return this;
    }

    /** Delay between receiving the request and sending the response head (errors from faults included). */
    public FakeOpenAi headDelay(Duration delay) {
        synchronized (lock) { settings.headDelayMs = delay.toMillis(); }
        return this;
    }

    /** Pause between stream events (default 10 ms, so chunk-by-chunk delivery is observable). */
    public FakeOpenAi chunkDelay(Duration delay) {
        synchronized (lock) { settings.chunkDelayMs = delay.toMillis(); }
        return this;
    }

    /**
     * Adds vendor fields to every JSON response and every stream chunk (top level):
     * {@code "x_vendor_field": {"region":"test-1","flags":[1,2]}}. Passthrough tests assert they survive.
     * ({@code system_fingerprint} and {@code service_tier} are always present, as in the real API.)
     */
    public FakeOpenAi extraResponseFields(boolean on) {
        ObjectNode vendor = NODES.objectNode().put("region", "test-1");
        vendor.putArray("flags").add(1).add(2);
        synchronized (lock) {
            if (on) settings.extraFields.put("x_vendor_field", vendor);
            else settings.extraFields.clear();
        }
        return this;
    }

    /** Adds one custom top-level field (any Jackson-serialisable value) to every response and chunk. */
    public FakeOpenAi extraResponseField(String name, Object value) {
        JsonNode node = JSON.valueToTree(value);
        synchronized (lock) { settings.extraFields.put(name, node); }
        return this;
    }

    /** Default embedding vector length when the request has no {@code dimensions} (default 8). */
    public FakeOpenAi embeddingDimensions(int dims) {
        if (dims < 1) throw new IllegalArgumentException("dims must be >= 1");
        synchronized (lock) { settings.embeddingDims = dims; }
        return this;
    }

    /**
     * Embeds a text as the normalised sum of its words' vectors, so texts with the same words in
     * any order embed identically: the worst case of a real model's blindness to word order.
     */
    public FakeOpenAi bagOfWordsEmbeddings() {
        synchronized (lock) { settings.bagOfWords = true; }
        return this;
    }

    /** Model ids listed by {@code GET /v1/models}. */
    public FakeOpenAi models(String... ids) {
        synchronized (lock) { settings.models = List.of(ids); }
        return this;
    }

    /** Restrict Azure to these deployment names (others get 404 DeploymentNotFound). No names = any deployment. */
    public FakeOpenAi azureDeployments(String... names) {
        synchronized (lock) { settings.azureDeployments = Set.of(names); }
        return this;
    }

    /** Injects {@code fault} into the next {@code n} requests that pass auth and validation. Queued after earlier faults. */
    public FakeOpenAi failNext(int n, Fault fault) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1");
        synchronized (lock) { faults.add(new FaultSlot(fault, n)); }
        return this;
    }

    /** Injects {@code fault} into every request (after any queued {@link #failNext} faults are used up). */
    public FakeOpenAi failAlways(Fault fault) {
        synchronized (lock) { faults.add(new FaultSlot(fault, -1)); }
        return this;
    }

    /**
     * Accepts {@code key} as well as the expected key, and answers every request made with it with
     * {@code fault} (e.g. a 429 for one of several provider keys, to test key rotation). Cleared by
     * {@link #reset()}.
     */
    public FakeOpenAi failForKey(String key, Fault fault) {
        synchronized (lock) { keyFaults.put(key, fault); }
        return this;
    }

    public FakeOpenAi clearFaults() {
        synchronized (lock) { faults.clear(); }
        return this;
    }
    /**
     * Scripts the answer from the request itself: called with each request's JSON (null when it is
     * not JSON) before it is answered, for clients that send several different requests per call.
     */
    public FakeOpenAi onRequest(Consumer<JsonNode> hook) {
        this.onRequest = hook == null ? j -> { } : hook;
        return this;
    }


    /** Back to defaults: behaviour, faults, recorded requests and the disconnect count (the expected key stays). */
    public FakeOpenAi reset() {
        synchronized (lock) {
            settings = new Settings();
            faults.clear();
            keyFaults.clear();
            requests.clear();
            clientDisconnects = 0;
        }
        return this;
    }

    // =============================================================================================
    // Recording
    // =============================================================================================

    /** Every request received, in arrival order (including rejected ones). */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public RecordedRequest lastRequest() {
        List<RecordedRequest> all = requests();
        if (all.isEmpty()) throw new IllegalStateException("no request received");
        return all.getLast();
    }

    public int requestCount() {
        return requests.size();
    }

    /** How many responses lost their connection from the client side before the fake finished them. */
    public int clientDisconnects() {
        synchronized (lock) { return clientDisconnects; }
    }

    /** Waits until at least {@code n} client disconnects were seen; false on timeout. */
    public boolean awaitClientDisconnects(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (clientDisconnects < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** Waits until at least {@code n} requests were received; false on timeout. */
    public boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (requests.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    // =============================================================================================
    // Request handling (runs on the Vert.x event loop)
    // =============================================================================================

    /** Per-request bookkeeping, touched only on the event loop. */
    private final class Exchange {
        final HttpServerRequest req;
        final HttpServerResponse res;
        boolean finished;     // we ended the response or closed the connection on purpose
        boolean clientGone;   // connection closed before we finished
        Fault keyFault;       // the fault armed for the request's key (failForKey), if any

        Exchange(HttpServerRequest req) {
            this.req = req;
            this.res = req.response();
            res.closeHandler(v -> {
                if (finished) return;
                clientGone = true;
                synchronized (lock) {
                    clientDisconnects++;
                    lock.notifyAll();
                }
            });
        }

        void end(int status, Map<String, String> headers, String body) {
            if (clientGone || finished) return;
            finished = true;
            res.setStatusCode(status);
            headers.forEach(res::putHeader);
            res.end(body);
        }

        void closeConnection() {
            if (clientGone || finished) return;
            finished = true;
            req.connection().close();
        }
    }

    private void handle(HttpServerRequest req) {
        Exchange ex = new Exchange(req);
        req.body().onComplete(ar -> {
            if (ar.failed()) return; // client went away while sending; nothing to answer
            Buffer body = ar.result();
            try {
                process(ex, body);
            } catch (RuntimeException e) {
                // A bug in the fake must be loud in the test, not a hang.
                ex.end(599, jsonHeaders(), errorBody("fake upstream bug: " + e, "fake_bug", null, null));
                throw e;
            }
        });
    }

    private void process(Exchange ex, Buffer rawBody) {
        HttpServerRequest req = ex.req;
        String path = req.path();
        Matcher azure = AZURE_PATH.matcher(path);
        boolean isAzure = azure.matches();
        String endpoint = isAzure ? azure.group(2) : path;

        byte[] bytes = rawBody.getBytes();
        JsonNode json = parse(bytes);
        Set<String> known = endpoint.endsWith("embeddings") ? OpenAiValidator.EMBEDDING_FIELDS
                : endpoint.endsWith("chat/completions") ? OpenAiValidator.CHAT_FIELDS : null;
        record(req, path, bytes, json, known == null ? List.of() : OpenAiValidator.unknownFields(json, known));
        onRequest.accept(json);

        Settings s;
        String key;
        Map<String, Fault> perKey;
        synchronized (lock) {
            s = settings.copy();
            key = expectedKey;
            perKey = Map.copyOf(keyFaults);
        }

        // ---- authentication ----
        if (isAzure) {
            if (!key.equals(req.getHeader("api-key"))) {
                ex.end(401, jsonHeaders(), azureError("401", "Access denied due to invalid subscription key or "
                        + "wrong API endpoint. Make sure to provide a valid key for an active subscription and use "
                        + "a correct regional API endpoint for your resource."));
                return;
            }
        } else if (path.startsWith("/v1/")) {
            String auth = req.getHeader("authorization");
            if (auth == null || auth.isBlank()) {
                ex.end(401, jsonHeaders(), errorBody("You didn't provide an API key. You need to provide your API "
                        + "key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or "
                        + "as the password field (with blank username) if you're accessing the API from your "
                        + "browser and are prompted for a username and password. You can obtain an API key from "
                        + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, null));
                return;
            }
            String given = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : auth;
            ex.keyFault = perKey.get(given);
            if (!key.equals(given) && ex.keyFault == null) {
                ex.end(401, jsonHeaders(), errorBody("Incorrect API key provided: " + redact(given) + ". You can "
                        + "find your API key at https://platform.openai.com/account/api-keys.",
                        "invalid_request_error", null, "invalid_api_key"));
                return;
            }
        }

        // ---- routing ----
        HttpMethod method = req.method();
        if (isAzure) {
            String deployment = azure.group(1);
            if (method != HttpMethod.POST || req.getParam("api-version") == null || req.getParam("api-version").isBlank()) {
                ex.end(404, jsonHeaders(), azureError("404", "Resource not found"));
                return;
            }
            if (!s.azureDeployments.isEmpty() && !s.azureDeployments.contains(deployment)) {
                ex.end(404, jsonHeaders(), azureError("DeploymentNotFound", "The API deployment for this resource "
                        + "does not exist. If you created the deployment within the last 5 minutes, please wait a "
                        + "moment and try again."));
                return;
            }
            if (endpoint.equals("chat/completions")) chat(ex, json, s, deployment);
            else embeddings(ex, json, s, deployment);
            return;
        }
        if (method == HttpMethod.POST && path.equals("/v1/chat/completions")) {
            chat(ex, json, s, null);
        } else if (method == HttpMethod.POST && path.equals("/v1/embeddings")) {
            embeddings(ex, json, s, null);
        } else if (method == HttpMethod.GET && path.equals("/v1/models")) {
            answer(ex, s, () -> modelsList(s).toString(), null);
        } else if (method == HttpMethod.GET && MODEL_PATH.matcher(path).matches()) {
            String id = pathModelId(path);
            if (!s.models.contains(id)) {
                ex.end(404, jsonHeaders(), errorBody("The model '" + id + "' does not exist", "invalid_request_error",
                        "model", "model_not_found"));
            } else {
                answer(ex, s, () -> model(id).toString(), null);
            }
        } else {
            ex.end(404, jsonHeaders(), errorBody("Invalid URL (" + method + " " + path + ")",
                    "invalid_request_error", null, null));
        }
    }

    private void chat(Exchange ex, JsonNode json, Settings s, String deployment) {
        OpenAiValidator.ApiError err = checkJsonBody(ex.req, json);
        if (err == null) err = OpenAiValidator.validateChat(json, deployment != null);
        if (err != null) {
            ex.end(err.status(), jsonHeaders(), err.body());
            return;
        }
        String model = s.responseModel != null ? s.responseModel
                : deployment != null ? deployment : json.get("model").asText();
        String id = "chatcmpl-fake" + String.format("%06d", ids.incrementAndGet());
        long created = System.currentTimeMillis() / 1000;
        int n = json.path("n").asInt(1);
        if (json.path("stream").asBoolean(false)) {
            boolean includeUsage = json.path("stream_options").path("include_usage").asBoolean(false);
            List<String> events = streamEvents(s, id, created, model, n, includeUsage);
            answer(ex, s, null, events);
        } else {
            answer(ex, s, () -> completion(s, id, created, model, n).toString(), null);
        }
    }

    private void embeddings(Exchange ex, JsonNode json, Settings s, String deployment) {
        OpenAiValidator.ApiError err = checkJsonBody(ex.req, json);
        if (err == null) err = OpenAiValidator.validateEmbeddings(json, deployment != null);
        if (err != null) {
            ex.end(err.status(), jsonHeaders(), err.body());
            return;
        }
        String model = s.responseModel != null ? s.responseModel
                : deployment != null ? deployment : json.get("model").asText();
        answer(ex, s, () -> embeddingList(s, json, model).toString(), null);
    }

    private static OpenAiValidator.ApiError checkJsonBody(HttpServerRequest req, JsonNode json) {
        String ct = req.getHeader("content-type");
        boolean isJson = ct != null && ct.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/json");
        if (!isJson || json == null || !json.isObject()) return OpenAiValidator.unparseableBody();
        return null;
    }

    /**
     * Sends a successful answer, a JSON body ({@code body != null}) or an event stream, honouring
     * the head delay and the next armed fault.
     */
    private void answer(Exchange ex, Settings s, java.util.function.Supplier<String> body, List<String> events) {
        Fault fault = ex.keyFault != null ? ex.keyFault : takeFault();
        Runnable respond = () -> {
            if (ex.clientGone) return;
            if (fault != null && fault.kind() == Fault.Kind.ERROR) {
                Map<String, String> h = new LinkedHashMap<>(jsonHeaders());
                h.putAll(fault.headers());
                ex.end(fault.status(), h, fault.body());
            } else if (fault != null && fault.kind() == Fault.Kind.RESET_BEFORE_HEAD) {
                ex.closeConnection();
            } else if (events != null) {
                stream(ex, s, events, fault);
            } else {
                json(ex, body.get(), fault);
            }
        };
        later(s.headDelayMs, respond);
    }

    private void json(Exchange ex, String body, Fault fault) {
        if (fault == null || fault.kind() == Fault.Kind.OMIT_DONE) {
            ex.end(200, jsonHeaders(), body);
            return;
        }
        HttpServerResponse res = ex.res;
        res.setStatusCode(200);
        jsonHeaders().forEach(res::putHeader);
        switch (fault.kind()) {
            case MALFORMED_CHUNK_AFTER -> ex.end(200, jsonHeaders(), body.substring(0, body.length() / 2));
            case CUT_AFTER -> {
                // Promise the whole body, deliver half, hang up: the client sees a premature EOF.
                res.putHeader("content-length", Integer.toString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
                res.write(body.substring(0, body.length() / 2));
                ex.closeConnection();
            }
            case STALL_AFTER -> {
                res.setChunked(true);
                res.writeHead();
            }
            default -> throw new IllegalStateException("unexpected " + fault);
        }
    }

    private void stream(Exchange ex, Settings s, List<String> events, Fault fault) {
        List<String> lines = new ArrayList<>(events);
        Fault.Kind kind = fault == null ? null : fault.kind();
        if (kind == Fault.Kind.MALFORMED_CHUNK_AFTER) {
            String good = events.get(Math.min(fault.afterEvents(), events.size() - 1));
            lines.add(Math.min(fault.afterEvents(), lines.size()), good.substring(0, good.length() / 2));
        }
        if (kind != Fault.Kind.OMIT_DONE) lines.add("[DONE]");
        int stopAt = kind == Fault.Kind.CUT_AFTER || kind == Fault.Kind.STALL_AFTER
                ? Math.min(fault.afterEvents(), lines.size()) : lines.size();

        HttpServerResponse res = ex.res;
        res.setStatusCode(200)
                .setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-request-id", requestId())
                .putHeader("openai-processing-ms", "1");
        res.writeHead();
        sendEvent(ex, s.chunkDelayMs, lines, 0, stopAt, kind);
    }

    /** Writes event {@code i} as its own HTTP chunk, then schedules the next one after the chunk delay. */
    private void sendEvent(Exchange ex, long delayMs, List<String> lines, int i, int stopAt, Fault.Kind kind) {
        if (ex.clientGone || ex.finished) return;
        if (i == stopAt) {
            if (kind == Fault.Kind.CUT_AFTER) ex.closeConnection();
            else if (kind != Fault.Kind.STALL_AFTER) {
                ex.finished = true;
                ex.res.end();
            }
            // STALL: keep the connection open and say nothing; the client's timeout or close decides.
            return;
        }
        ex.res.write("data: " + lines.get(i) + "\n\n");
        if (i + 1 == lines.size() && stopAt == lines.size()) {
            ex.finished = true;
            ex.res.end();
            return;
        }
        later(delayMs, () -> sendEvent(ex, delayMs, lines, i + 1, stopAt, kind));
    }

    private void later(long delayMs, Runnable r) {
        if (delayMs <= 0) vertx.getOrCreateContext().runOnContext(v -> r.run());
        else vertx.setTimer(delayMs, t -> r.run());
    }

    private Fault takeFault() {
        synchronized (lock) {
            if (faults.isEmpty()) return null;
            FaultSlot slot = faults.getFirst();
            if (slot.remaining > 0 && --slot.remaining == 0) faults.removeFirst();
            return slot.fault;
        }
    }

    private void record(HttpServerRequest req, String path, byte[] body, JsonNode json, List<String> unknown) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .add(e.getValue()));
        headers.replaceAll((k, v) -> List.copyOf(v));
        String query = req.query() == null ? "" : req.query();
        synchronized (lock) {
            requests.add(new RecordedRequest(req.method().name(), path, query, Map.copyOf(headers), body, json, unknown));
            lock.notifyAll();
        }
    }

    // =============================================================================================
    // Response bodies
    // =============================================================================================

    private ObjectNode envelope(Settings s, String id, String object, long created, String model) {
        ObjectNode o = NODES.objectNode();
        o.put("id", id).put("object", object).put("created", created).put("model", model)
                .put("service_tier", "default").put("system_fingerprint", SYSTEM_FINGERPRINT);
        return o;
    }

    private ObjectNode completion(Settings s, String id, long created, String model, int n) {
        ObjectNode o = envelope(s, id, "chat.completion", created, model);
        ArrayNode choices = o.putArray("choices");
        for (int i = 0; i < n; i++) {
            ObjectNode message = NODES.objectNode().put("role", "assistant");
            if (s.toolCalls.isEmpty()) message.put("content", s.answer);
            else message.putNull("content");
            message.putNull("refusal");
            message.putArray("annotations");
            if (!s.toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCallSpec c : s.toolCalls) {
                    ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                    call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
                }
            }
            ObjectNode choice = choices.addObject().put("index", i);
            choice.set("message", message);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(s));
        }
        if (!s.noUsage) o.set("usage", usage(s));
        s.extraFields.forEach(o::set);
        return o;
    }

    /** The JSON payloads of the stream events, in order, without the final [DONE]. */
    private List<String> streamEvents(Settings s, String id, long created, String model, int n, boolean includeUsage) {
        List<ObjectNode> deltas = new ArrayList<>(); // per step, the delta every choice gets
        ObjectNode first = NODES.objectNode().put("role", "assistant");
        if (s.toolCalls.isEmpty()) {
            first.put("content", "");
            first.putNull("refusal");
            deltas.add(first);
            for (String piece : s.pieces()) deltas.add(NODES.objectNode().put("content", piece));
        } else {
            first.putNull("content");
            first.putNull("refusal");
            for (int t = 0; t < s.toolCalls.size(); t++) {
                ToolCallSpec c = s.toolCalls.get(t);
                ObjectNode head = t == 0 ? first : NODES.objectNode();
                ObjectNode call = head.putArray("tool_calls").addObject().put("index", t).put("id", c.id()).put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", "");
                deltas.add(head);
                String args = c.arguments();
                int mid = args.length() / 2;
                for (String part : mid == 0 ? List.of(args) : List.of(args.substring(0, mid), args.substring(mid))) {
                    if (part.isEmpty()) continue;
                    ObjectNode d = NODES.objectNode();
                    d.putArray("tool_calls").addObject().put("index", t).putObject("function").put("arguments", part);
                    deltas.add(d);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (ObjectNode delta : deltas) {
            for (int i = 0; i < n; i++) out.add(chunk(s, id, created, model, i, delta, null, includeUsage).toString());
        }
        for (int i = 0; i < n; i++) {
            out.add(chunk(s, id, created, model, i, NODES.objectNode(), finishReason(s), includeUsage).toString());
        }
        if (includeUsage && !s.noUsage) {
            ObjectNode last = envelope(s, id, "chat.completion.chunk", created, model);
            last.putArray("choices");
            last.set("usage", usage(s));
            s.extraFields.forEach(last::set);
            out.add(last.toString());
        }
        return out;
    }

    private ObjectNode chunk(Settings s, String id, long created, String model, int index, ObjectNode delta,
                             String finish, boolean includeUsage) {
        ObjectNode o = envelope(s, id, "chat.completion.chunk", created, model);
        ObjectNode choice = o.putArray("choices").addObject().put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finish);
        if (includeUsage && !s.noUsage) o.putNull("usage");
        s.extraFields.forEach(o::set);
        return o;
    }

    private static String finishReason(Settings s) {
        if (s.finishReason != null) return s.finishReason;
        return s.toolCalls.isEmpty() ? "stop" : "tool_calls";
    }

    private static ObjectNode usage(Settings s) {
        ObjectNode u = NODES.objectNode()
                .put("prompt_tokens", s.promptTokens)
                .put("completion_tokens", s.completionTokens)
                .put("total_tokens", s.promptTokens + s.completionTokens);
        u.putObject("prompt_tokens_details").put("cached_tokens", s.cachedTokens).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", s.reasoningTokens).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return u;
    }

    private ObjectNode embeddingList(Settings s, JsonNode req, String model) {
        JsonNode input = req.get("input");
        List<JsonNode> items = new ArrayList<>();
        if (input.isTextual() || (input.isArray() && input.get(0).isIntegralNumber())) items.add(input);
        else input.forEach(items::add);
        int dims = req.hasNonNull("dimensions") ? req.get("dimensions").asInt() : s.embeddingDims;
        boolean base64 = "base64".equals(req.path("encoding_format").asText());
        ObjectNode o = NODES.objectNode().put("object", "list");
        ArrayNode data = o.putArray("data");
        int tokens = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            tokens += item.isTextual() ? Math.max(1, item.asText().trim().split("\\s+").length) : item.size();
            float[] v = s.bagOfWords && item.isTextual() ? bagOfWords(item.asText(), dims) : vector(item.toString(), dims);
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(4 * dims).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) buf.putFloat(f);
                e.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode arr = e.putArray("embedding");
                for (float f : v) arr.add(f);
            }
        }
        o.put("model", model);
        o.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        s.extraFields.forEach(o::set);
        return o;
    }

    /** A unit vector determined only by the input, so equal inputs embed equally (cache tests rely on it). */
    public static float[] vector(String seedText, int dims) {
        SplittableRandom rnd = new SplittableRandom(seedText.hashCode());
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) v[i] *= inv;
        return v;
    }

    private static float[] bagOfWords(String text, int dims) {
        float[] sum = new float[dims];
        for (String word : text.toLowerCase(java.util.Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                float[] w = vector(word, dims);
                for (int i = 0; i < dims; i++) sum[i] += w[i];
            }
        }
        return sum;
    }

    private ObjectNode modelsList(Settings s) {
        ObjectNode o = NODES.objectNode().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (String id : s.models) data.add(model(id));
        return o;
    }

    private static ObjectNode model(String id) {
        return NODES.objectNode().put("id", id).put("object", "model").put("created", 1715367049L).put("owned_by", "system");
    }

    private static String pathModelId(String path) {
        Matcher m = MODEL_PATH.matcher(path);
        if (!m.matches()) throw new IllegalArgumentException(path);
        return java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8);
    }

    // =============================================================================================
    // Helpers
    // =============================================================================================

    /** {@code {"error":{"message","type","param","code"}}} with nulls written out, as OpenAI does. */
    static String errorBody(String message, String type, String param, String code) {
        ObjectNode o = NODES.objectNode();
        ObjectNode e = o.putObject("error").put("message", message).put("type", type);
        if (param == null) e.putNull("param"); else e.put("param", param);
        if (code == null) e.putNull("code"); else e.put("code", code);
        return o.toString();
    }

    /** Azure's gateway-level error shape (auth, routing): {@code {"error":{"code","message"}}}. */
    private static String azureError(String code, String message) {
        ObjectNode o = NODES.objectNode();
        o.putObject("error").put("code", code).put("message", message);
        return o.toString();
    }

    private Map<String, String> jsonHeaders() {
        return Map.of("content-type", "application/json", "x-request-id", requestId(), "openai-processing-ms", "1");
    }

    private String requestId() {
        return "req_fake" + Long.toHexString(ids.incrementAndGet());
    }

    private static String redact(String key) {
        if (key.length() <= 8) return "*".repeat(key.length());
        return key.substring(0, 4) + "*".repeat(Math.min(key.length() - 8, 20)) + key.substring(key.length() - 4);
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) return null;
        try {
            return JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("fake upstream: operation did not complete", e);
        }
    }

    private static final class FaultSlot {
        final Fault fault;
        int remaining; // -1 = always

        FaultSlot(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    /** Mutable behaviour, copied per request under the lock. */
    private static final class Settings {
        boolean noUsage;
        String answer = DEFAULT_ANSWER;
        List<String> chunkTexts;
        int chunkCount;
        List<ToolCallSpec> toolCalls = List.of();
        int promptTokens = 12, completionTokens = 7, cachedTokens, reasoningTokens;
        String finishReason;
        String responseModel;
        long headDelayMs;
        long chunkDelayMs = 10;
        LinkedHashMap<String, JsonNode> extraFields = new LinkedHashMap<>();
        int embeddingDims = 8;
        boolean bagOfWords;
        List<String> models = List.of("gpt-4o", "gpt-4o-mini", "text-embedding-3-small");
        Set<String> azureDeployments = Set.of();

        Settings copy() {
            Settings c = new Settings();
            c.noUsage = noUsage;
            c.answer = answer;
            c.chunkTexts = chunkTexts;
            c.chunkCount = chunkCount;
            c.toolCalls = toolCalls;
            c.promptTokens = promptTokens;
            c.completionTokens = completionTokens;
            c.cachedTokens = cachedTokens;
            c.reasoningTokens = reasoningTokens;
            c.finishReason = finishReason;
            c.responseModel = responseModel;
            c.headDelayMs = headDelayMs;
            c.chunkDelayMs = chunkDelayMs;
            c.extraFields = new LinkedHashMap<>();
            extraFields.forEach((k, v) -> c.extraFields.put(k, v.deepCopy()));
            c.embeddingDims = embeddingDims;
            c.bagOfWords = bagOfWords;
            c.models = models;
            c.azureDeployments = azureDeployments;
            return c;
        }

        /** Content pieces of the streamed answer. */
        List<String> pieces() {
            if (chunkTexts != null) return chunkTexts;
            if (answer.isEmpty()) return List.of();
            if (chunkCount > 0) {
                List<String> out = new ArrayList<>();
                int len = answer.length();
                int n = Math.min(chunkCount, len);
                for (int i = 0; i < n; i++) out.add(answer.substring(i * len / n, (i + 1) * len / n));
                return out;
            }
            // Words with their leading whitespace, like real token deltas: "Hello", " from", " the", ...
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("\\s*\\S+|\\s+$").matcher(answer);
            while (m.find()) out.add(m.group());
            return out;
        }
    }
}

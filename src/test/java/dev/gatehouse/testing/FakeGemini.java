package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Google Gemini API upstream: a real HTTP server on 127.0.0.1 that validates requests as
 * the documented API does (https://ai.google.dev/api/generate-content) and answers in its shapes.
 *
 * <p>Endpoints (all {@code POST}, key in {@code x-goog-api-key}):
 * {@code /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :batchEmbedContents}.
 *
 * <p>Validation, each failure a 400 {@code INVALID_ARGUMENT} in Google's error shape, with
 * Google's wording where known: unknown fields anywhere in the request ("Unknown name"),
 * {@code contents} missing or empty, roles other than user/model, empty {@code parts}, a part that
 * is not exactly one of text / inlineData / functionCall / functionResponse, invalid base64 in
 * inlineData, {@code args}/{@code response} not objects, schema keywords outside Gemini's OpenAPI
 * subset (e.g. {@code additionalProperties}), a function response turn whose count or names do not
 * match the preceding function call turn, more than 5 stop sequences, unknown tool modes.
 *
 * <p>Behaviour: answers {@link #answer} text (streamed word by word), or {@link #toolCalls}; honours
 * {@code maxOutputTokens} (one word = one token, finishReason MAX_TOKENS) and {@code stopSequences}
 * (answer cut before the first match); reports usage; can block the prompt or fail.
 */
public final class FakeGemini implements AutoCloseable {
    public static final String DEFAULT_KEY = "gemini-fake-key";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/v1beta/models/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|predict)$");
    private static final Set<String> REQUEST_FIELDS = Set.of("contents", "systemInstruction", "tools", "toolConfig",
            "generationConfig", "safetySettings", "cachedContent");
    private static final Set<String> GENERATION_FIELDS = Set.of("stopSequences", "responseMimeType", "responseSchema",
            "responseJsonSchema", "candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "seed",
            "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig", "responseModalities");
    private static final Set<String> PART_DATA = Set.of("text", "inlineData", "functionCall", "functionResponse", "fileData");
    private static final Set<String> PART_FIELDS = Set.of("text", "inlineData", "functionCall", "functionResponse",
            "fileData", "thought", "thoughtSignature");
    private static final Set<String> SCHEMA_FIELDS = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
            "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");

    /** A function call the fake answers with; {@code args} is JSON object text. */
    public record Call(String name, String args) {}

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile Consumer<JsonNode> onRequest = j -> { };
    private volatile String answer = "Hello from Gemini.";
    private volatile List<Call> calls = List.of();
    private volatile String thought;
    private volatile String blockReason;
    private volatile String finishReason;
    private volatile int promptTokens = 11;
    private volatile int cachedTokens;
    private volatile int thoughtTokens;
    private final List<String[]> errors = new CopyOnWriteArrayList<>(); // {status, body, retry-after or null}
    private volatile int cutAfter = -1;
    private volatile long headDelayMs;

    private FakeGemini() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
    }

    public static FakeGemini start() {
        FakeGemini fake = new FakeGemini();
        await(fake.server.listen());
        return fake;
    }

    /** {@code http://127.0.0.1:PORT/v1beta} */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1beta";
    }

    @Override
    public void close() {
        await(server.close());
        await(vertx.close());
    }

    // ------------------------------------------------------------------ behaviour

    /**
     * Scripts the answer from the request itself: called with each request's JSON (null when it is
     * not JSON) before it is answered, for clients that send several different requests per call.
     */
    public FakeGemini onRequest(Consumer<JsonNode> hook) {
        this.onRequest = hook == null ? j -> { } : hook;
        return this;
    }

    public FakeGemini answer(String text) { answer = text; calls = List.of(); return this; }

    public FakeGemini toolCalls(Call... c) { calls = List.of(c); return this; }

    public FakeGemini thought(String text) { thought = text; return this; }

    public FakeGemini blockPrompt(String reason) { blockReason = reason; return this; }

    /** Forces a finishReason (e.g. SAFETY); null = automatic. */
    public FakeGemini finishReason(String reason) { finishReason = reason; return this; }

    public FakeGemini usage(int prompt, int cached, int thoughts) {
        promptTokens = prompt; cachedTokens = cached; thoughtTokens = thoughts; return this;
    }

    /** The next request fails with this Google error. */
    public FakeGemini failNext(int status, String grpcStatus, String message) {
        errors.add(new String[] {Integer.toString(status), errorBody(status, grpcStatus, message, null), null});
        return this;
    }

    /** 429 RESOURCE_EXHAUSTED with a RetryInfo detail, as the Gemini API sends it. */
    public FakeGemini failNextRateLimited(int retrySeconds) {
        errors.add(new String[] {"429", errorBody(429, "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.", retrySeconds + "s"), null});
        return this;
    }

    /** Streams: close the connection after k data events. */
    public FakeGemini cutAfter(int k) { cutAfter = k; return this; }

    /** Delay between receiving a request and answering it (e.g. to measure time to first token); 0 = none. */
    public FakeGemini headDelay(java.time.Duration delay) { headDelayMs = delay.toMillis(); return this; }

    public List<RecordedRequest> requests() { return List.copyOf(requests); }

    public RecordedRequest lastRequest() { return requests.getLast(); }

    static String errorBody(int code, String status, String message, String retryDelay) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("code", code);
        e.put("message", message);
        e.put("status", status);
        if (retryDelay != null) {
            e.putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", retryDelay);
        }
        return root.toString();
    }

    // ------------------------------------------------------------------ handling

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            JsonNode json = null;
            try {
                json = JSON.readTree(body);
            } catch (Exception notJson) {
                // reported below
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            req.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
            requests.add(new RecordedRequest(req.method().name(), req.path(), req.query() == null ? "" : req.query(),
                    Map.copyOf(headers), body, json, List.of()));
            onRequest.accept(json);
            HttpServerResponse res = req.response();
            JsonNode parsed = json;
            Runnable answer = () -> {
                try {
                    respond(req, parsed, res);
                } catch (Invalid e) {
                    send(res, e.status, errorBody(e.status, e.grpc, e.getMessage(), null));
                }
            };
            if (headDelayMs > 0) vertx.setTimer(headDelayMs, t -> answer.run()); else answer.run();
        });
    }

    private void respond(HttpServerRequest req, JsonNode json, HttpServerResponse res) {
        if (req.method() == HttpMethod.GET && req.path().equals("/v1beta/models")) {
            // models.list, one page; the key is checked as for a generation.
            String key = req.getHeader("x-goog-api-key");
            if (key == null || !key.equals(DEFAULT_KEY)) {
                throw new Invalid(key == null ? 403 : 400, key == null ? "PERMISSION_DENIED" : "INVALID_ARGUMENT",
                        key == null ? "Method doesn't allow unregistered callers." : "API key not valid. Please pass a valid API key.");
            }
            send(res, 200, "{\"models\":[{\"name\":\"models/gemini-2.5-flash\",\"version\":\"001\","
                    + "\"displayName\":\"Gemini 2.5 Flash\",\"inputTokenLimit\":1048576,\"outputTokenLimit\":65536,"
                    + "\"supportedGenerationMethods\":[\"generateContent\",\"countTokens\"]}]}");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            throw new Invalid(404, "NOT_FOUND", "Method not found.");
        }
        Matcher m = PATH.matcher(req.path());
        if (!m.matches()) {
            throw new Invalid(404, "NOT_FOUND", "Requested entity was not found.");
        }
        String key = req.getHeader("x-goog-api-key");
        if (key == null) {
            throw new Invalid(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                    + "established identity). Please use API Key or other form of API consumer identity to call this API.");
        }
        if (!key.equals(DEFAULT_KEY)) {
            throw new Invalid(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
        }
        String model = m.group(1);
        String method = m.group(2);
        boolean stream = method.equals("streamGenerateContent");
        if (stream && !"alt=sse".equals(req.query())) {
            throw new Invalid(400, "INVALID_ARGUMENT", "this fake only streams with ?alt=sse (got query '" + req.query() + "')");
        }
        if (json == null || !json.isObject()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }
        if (method.equals("batchEmbedContents")) {
            embed(model, json, res);
            return;
        }
        if (method.equals("predict")) {
            imagen(json, res);
            return;
        }
        validate(json);
        if (!errors.isEmpty()) {
            String[] e = errors.removeFirst();
            send(res, Integer.parseInt(e[0]), e[1]);
            return;
        }
        if (blockReason != null) {
            ObjectNode blocked = JSON.createObjectNode();
            blocked.putObject("promptFeedback").put("blockReason", blockReason);
            blocked.set("usageMetadata", usage(0));
            blocked.put("modelVersion", model);
            if (stream) {
                sse(res, List.of(blocked));
            } else {
                send(res, 200, blocked.toString());
            }
            return;
        }
        List<ObjectNode> chunks = answerChunks(json, model, stream);
        if (stream) {
            sse(res, chunks);
        } else {
            send(res, 200, chunks.getFirst().toString());
        }
    }

    /** One whole response, or the stream's chunks: text word by word, calls whole, finish + usage last. */
    private List<ObjectNode> answerChunks(JsonNode request, String model, boolean stream) {
        JsonNode gen = request.path("generationConfig");
        List<ObjectNode> parts = new ArrayList<>();
        String reason = "STOP";
        int outputTokens = 0;
        if (thought != null) {
            parts.add(JSON.createObjectNode().put("text", thought).put("thought", true));
        }
        if (calls.isEmpty()) {
            String text = answer;
            for (JsonNode stop : gen.path("stopSequences")) {
                int at = text.indexOf(stop.asText());
                if (at >= 0) {
                    text = text.substring(0, at);
                }
            }
            String[] words = text.split("(?<= )");
            int max = gen.path("maxOutputTokens").asInt(Integer.MAX_VALUE);
            if (words.length > max) {
                reason = "MAX_TOKENS";
                words = java.util.Arrays.copyOf(words, max);
            }
            outputTokens = words.length;
            if (stream) {
                for (String w : words) {
                    parts.add(JSON.createObjectNode().put("text", w));
                }
            } else {
                parts.add(JSON.createObjectNode().put("text", String.join("", words)));
            }
        } else {
            for (Call c : calls) {
                ObjectNode fc = JSON.createObjectNode();
                ObjectNode call = fc.putObject("functionCall");
                call.put("name", c.name());
                try {
                    call.set("args", JSON.readTree(c.args()));
                } catch (Exception e) {
                    throw new IllegalArgumentException(e);
                }
                parts.add(fc);
                outputTokens += 5;
            }
        }
        if (finishReason != null) {
            reason = finishReason;
        }
        String responseId = "resp" + Long.toHexString(System.nanoTime());
        List<ObjectNode> out = new ArrayList<>();
        if (!stream) {
            out.add(chunk(parts, reason, usage(outputTokens), model, responseId));
            return out;
        }
        // Gemini streams function calls whole; text arrives piece by piece. Every chunk carries usage so far.
        List<ObjectNode> pending = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            pending.add(parts.get(i));
            boolean lastPart = i == parts.size() - 1;
            if (!parts.get(i).has("functionCall") || lastPart) {
                out.add(chunk(pending, lastPart ? reason : null, usage(lastPart ? outputTokens : 0), model, responseId));
                pending = new ArrayList<>();
            }
        }
        if (out.isEmpty()) {
            out.add(chunk(List.of(), reason, usage(outputTokens), model, responseId));
        }
        return out;
    }

    private ObjectNode chunk(List<ObjectNode> parts, String reason, ObjectNode usage, String model, String responseId) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        ArrayNode p = content.putArray("parts");
        parts.forEach(p::add);
        content.put("role", "model");
        if (reason != null) {
            candidate.put("finishReason", reason);
        }
        candidate.put("index", 0);
        root.set("usageMetadata", usage);
        root.put("modelVersion", model);
        root.put("responseId", responseId);
        return root;
    }

    private ObjectNode usage(int output) {
        ObjectNode u = JSON.createObjectNode();
        u.put("promptTokenCount", promptTokens);
        if (output > 0) {
            u.put("candidatesTokenCount", output);
        }
        u.put("totalTokenCount", promptTokens + output + thoughtTokens);
        if (cachedTokens > 0) {
            u.put("cachedContentTokenCount", cachedTokens);
        }
        if (thoughtTokens > 0) {
            u.put("thoughtsTokenCount", thoughtTokens);
        }
        return u;
    }

    /** Imagen's {@code :predict}: one instance with a prompt; sampleCount 1-4; aspectRatio one of Imagen's five. */
    private void imagen(JsonNode json, HttpServerResponse res) {
        unknown(json, Set.of("instances", "parameters"), "");
        JsonNode instances = json.path("instances");
        if (!instances.isArray() || instances.size() != 1 || !instances.get(0).path("prompt").isTextual()
                || instances.get(0).path("prompt").asText().isEmpty()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "instances must hold one instance with a non-empty prompt");
        }
        JsonNode parameters = json.path("parameters");
        int count = parameters.path("sampleCount").asInt(4);
        if (parameters.has("sampleCount") && (!parameters.path("sampleCount").isInt() || count < 1 || count > 4)) {
            throw new Invalid(400, "INVALID_ARGUMENT", "sampleCount must be between 1 and 4");
        }
        String ratio = parameters.path("aspectRatio").asText("1:1");
        if (!Set.of("1:1", "3:4", "4:3", "9:16", "16:9").contains(ratio)) {
            throw new Invalid(400, "INVALID_ARGUMENT", "unsupported aspectRatio " + ratio);
        }
        if (!errors.isEmpty()) {
            String[] e = errors.removeFirst();
            send(res, Integer.parseInt(e[0]), e[1]);
            return;
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode predictions = out.putArray("predictions");
        for (int i = 0; i < count; i++) {
            predictions.addObject().put("mimeType", "image/png").put("bytesBase64Encoded",
                    java.util.Base64.getEncoder().encodeToString(dev.gatehouse.dialect.mock.MediaSamples.png(i + 5L, 4)));
        }
        send(res, 200, out.toString());
    }

    private void embed(String model, JsonNode json, HttpServerResponse res) {
        unknown(json, Set.of("requests"), "");
        JsonNode requests = json.path("requests");
        if (!requests.isArray() || requests.isEmpty()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests must not be empty");
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode embeddings = root.putArray("embeddings");
        for (JsonNode r : requests) {
            unknown(r, Set.of("model", "content", "taskType", "title", "outputDimensionality"), "requests[].");
            if (!("models/" + model).equals(r.path("model").asText())) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Model in the request (" + r.path("model").asText()
                        + ") does not match the model in the URL (models/" + model + ").");
            }
            String text = r.path("content").path("parts").path(0).path("text").asText(null);
            if (text == null) {
                throw new Invalid(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests[0].content.parts: contents.parts must not be empty.");
            }
            int dims = r.path("outputDimensionality").asInt(8);
            ArrayNode values = embeddings.addObject().putArray("values");
            for (int i = 0; i < dims; i++) {
                values.add((float) ((text.length() + i) % 7) / 7f);
            }
        }
        send(res, 200, root.toString());
    }

    // ------------------------------------------------------------------ validation (per the API reference)

    private static void validate(JsonNode json) {
        unknown(json, REQUEST_FIELDS, "");
        JsonNode contents = json.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified");
        }
        JsonNode previous = null;
        for (int i = 0; i < contents.size(); i++) {
            JsonNode c = contents.get(i);
            unknown(c, Set.of("role", "parts"), "contents[" + i + "].");
            String role = c.path("role").asText("");
            if (!role.equals("user") && !role.equals("model")) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Please use a valid role: user, model.");
            }
            parts(c.get("parts"), "contents[" + i + "].parts");
            int responses = 0;
            List<String> names = new ArrayList<>();
            for (JsonNode p : c.get("parts")) {
                if (p.has("functionResponse")) {
                    responses++;
                    names.add(p.get("functionResponse").path("name").asText());
                    if (!role.equals("user")) {
                        throw new Invalid(400, "INVALID_ARGUMENT", "function responses must be in a user turn");
                    }
                }
                if (p.has("functionCall") && !role.equals("model")) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "function calls must be in a model turn");
                }
            }
            if (responses > 0) {
                List<String> called = new ArrayList<>();
                if (previous != null) {
                    for (JsonNode p : previous.path("parts")) {
                        if (p.has("functionCall")) {
                            called.add(p.get("functionCall").path("name").asText());
                        }
                    }
                }
                if (called.size() != responses || !new java.util.HashSet<>(called).equals(new java.util.HashSet<>(names))) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "Please ensure that the number of function response parts "
                            + "is equal to the number of function call parts of the function call turn.");
                }
            }
            previous = c;
        }
        JsonNode system = json.get("systemInstruction");
        if (system != null) {
            unknown(system, Set.of("role", "parts"), "systemInstruction.");
            parts(system.get("parts"), "systemInstruction.parts");
        }
        for (JsonNode tool : json.path("tools")) {
            unknown(tool, Set.of("functionDeclarations", "googleSearch", "codeExecution"), "tools[].");
            for (JsonNode fd : tool.path("functionDeclarations")) {
                unknown(fd, Set.of("name", "description", "parameters", "parametersJsonSchema", "response"), "tools[].functionDeclarations[].");
                if (!fd.path("name").asText("").matches("[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}")) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "Invalid function name " + fd.path("name"));
                }
                if (fd.has("parameters")) {
                    schema(fd.get("parameters"), "parameters");
                }
            }
        }
        JsonNode toolConfig = json.get("toolConfig");
        if (toolConfig != null) {
            unknown(toolConfig, Set.of("functionCallingConfig"), "toolConfig.");
            JsonNode fcc = toolConfig.path("functionCallingConfig");
            unknown(fcc, Set.of("mode", "allowedFunctionNames"), "toolConfig.functionCallingConfig.");
            String mode = fcc.path("mode").asText("AUTO");
            if (!Set.of("AUTO", "ANY", "NONE", "VALIDATED").contains(mode)) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at 'tool_config.function_calling_config.mode' (" + mode + ")");
            }
            if (fcc.has("allowedFunctionNames") && !mode.equals("ANY") && !mode.equals("VALIDATED")) {
                throw new Invalid(400, "INVALID_ARGUMENT", "allowed_function_names can only be set when mode is ANY");
            }
        }
        JsonNode gen = json.get("generationConfig");
        if (gen != null) {
            unknown(gen, GENERATION_FIELDS, "generationConfig.");
            if (gen.path("stopSequences").size() > 5) {
                throw new Invalid(400, "INVALID_ARGUMENT", "stop_sequences must have at most 5 entries");
            }
            if (gen.has("responseSchema")) {
                if (!"application/json".equals(gen.path("responseMimeType").asText())) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "responseSchema needs responseMimeType application/json");
                }
                schema(gen.get("responseSchema"), "response_schema");
            }
            JsonNode thinking = gen.get("thinkingConfig");
            if (thinking != null) {
                unknown(thinking, Set.of("thinkingBudget", "includeThoughts", "thinkingLevel"), "generationConfig.thinkingConfig.");
            }
        }
    }

    private static void parts(JsonNode parts, String where) {
        if (parts == null || !parts.isArray() || parts.isEmpty()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "* GenerateContentRequest." + where + ": contents.parts must not be empty.");
        }
        for (JsonNode p : parts) {
            unknown(p, PART_FIELDS, where + "[].");
            long data = PART_DATA.stream().filter(p::has).count();
            if (data != 1) {
                throw new Invalid(400, "INVALID_ARGUMENT", "* GenerateContentRequest." + where
                        + ": a part must have exactly one of text, inlineData, functionCall, functionResponse, fileData");
            }
            if (p.has("text") && !p.get("text").isTextual()) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at '" + where + ".text'");
            }
            JsonNode inline = p.get("inlineData");
            if (inline != null) {
                unknown(inline, Set.of("mimeType", "data"), where + "[].inlineData.");
                if (!inline.path("mimeType").isTextual() || !inline.path("data").isTextual()) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "inlineData needs mimeType and data");
                }
                try {
                    Base64.getDecoder().decode(inline.get("data").asText());
                } catch (IllegalArgumentException e) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at '" + where + ".inline_data.data' (TYPE_BYTES), Base64 decoding failed");
                }
            }
            JsonNode fc = p.get("functionCall");
            if (fc != null) {
                unknown(fc, Set.of("id", "name", "args"), where + "[].functionCall.");
                if (!fc.path("name").isTextual() || (fc.has("args") && !fc.get("args").isObject())) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "functionCall needs a name and object args");
                }
            }
            JsonNode fr = p.get("functionResponse");
            if (fr != null) {
                unknown(fr, Set.of("id", "name", "response"), where + "[].functionResponse.");
                if (!fr.path("name").isTextual() || !fr.path("response").isObject()) {
                    throw new Invalid(400, "INVALID_ARGUMENT", "functionResponse needs a name and an object response");
                }
            }
        }
    }

    private static void schema(JsonNode s, String where) {
        if (!s.isObject()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at '" + where + "'");
        }
        s.properties().forEach(e -> {
            if (!SCHEMA_FIELDS.contains(e.getKey())) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"" + e.getKey()
                        + "\" at '" + where + "': Cannot find field.");
            }
        });
        if (s.has("type") && !s.get("type").isTextual()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at '" + where + ".type'");
        }
        if (s.has("enum") && !"string".equalsIgnoreCase(s.path("type").asText("string"))) {
            throw new Invalid(400, "INVALID_ARGUMENT", "only string enums are supported at '" + where + "'");
        }
        if ("object".equalsIgnoreCase(s.path("type").asText()) && s.path("properties").isEmpty() && where.equals("parameters")) {
            throw new Invalid(400, "INVALID_ARGUMENT", "* GenerateContentRequest.tools[0].function_declarations[0].parameters.properties: should be non-empty for OBJECT type");
        }
        s.path("properties").properties().forEach(p -> schema(p.getValue(), where + ".properties." + p.getKey()));
        if (s.has("items")) {
            schema(s.get("items"), where + ".items");
        }
        for (JsonNode alt : s.path("anyOf")) {
            schema(alt, where + ".anyOf");
        }
    }

    private static void unknown(JsonNode node, Set<String> known, String where) {
        if (node == null || !node.isObject()) {
            throw new Invalid(400, "INVALID_ARGUMENT", "Invalid value at '" + where + "': expected an object");
        }
        node.properties().forEach(e -> {
            if (!known.contains(e.getKey())) {
                throw new Invalid(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"" + e.getKey()
                        + "\" at '" + where + "': Cannot find field.");
            }
        });
    }

    // ------------------------------------------------------------------ sending

    private static void send(HttpServerResponse res, int status, String body) {
        res.setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8").end(body);
    }

    private void sse(HttpServerResponse res, List<ObjectNode> chunks) {
        res.setStatusCode(200).setChunked(true).putHeader("content-type", "text/event-stream");
        int cut = cutAfter;
        sendChunk(res, chunks, 0, cut);
    }

    private void sendChunk(HttpServerResponse res, List<ObjectNode> chunks, int i, int cut) {
        if (i == chunks.size()) {
            res.end();
            return;
        }
        if (cut >= 0 && i == cut) {
            res.reset();
            return;
        }
        // Gemini separates events with CRLF CRLF.
        res.write(Buffer.buffer("data: " + chunks.get(i) + "\r\n\r\n"));
        vertx.setTimer(5, t -> sendChunk(res, chunks, i + 1, cut));
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("fake gemini: operation did not complete", e);
        }
    }

    private static final class Invalid extends RuntimeException {
        final int status;
        final String grpc;

        Invalid(int status, String grpc, String message) {
            super(message, null, false, false);
            this.status = status;
            this.grpc = grpc;
        }
    }
}

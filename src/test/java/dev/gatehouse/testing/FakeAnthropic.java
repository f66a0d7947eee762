package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A fake Anthropic Messages API ({@code POST /v1/messages}) for integration tests. It validates
 * requests as Anthropic documents them — {@code x-api-key} and {@code anthropic-version} headers;
 * required model, max_tokens and messages; no unknown fields; roles alternating and starting with
 * user; block types allowed per role; non-empty text; image sources; every tool_use answered by
 * a tool_result at the start of the next user turn; tools, tool_choice and thinking rules — and
 * answers with a faithful message object or event stream (message_start, content blocks with
 * ping, deltas and stops, message_delta, message_stop).
 *
 * <p>The answer text is cut to {@code max_tokens} words (stop_reason max_tokens); a configured
 * stop sequence found in the answer cuts it there (stop_reason stop_sequence).
 */
public final class FakeAnthropic implements AutoCloseable {
    public static final String DEFAULT_KEY = "sk-ant-fake-test-key";
    public static final String DEFAULT_ANSWER = "Hello from the fake Anthropic upstream.";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "system", "stop_sequences", "stream",
            "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking", "metadata", "service_tier", "container",
            "mcp_servers", "context_management", "output_config");
    private static final Set<String> USER_BLOCKS = Set.of("text", "image", "tool_result", "document", "search_result");
    private static final Set<String> ASSISTANT_BLOCKS = Set.of("text", "tool_use", "thinking", "redacted_thinking");
    private static final Set<String> MEDIA = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    private static final Pattern TOOL_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,128}$");

    /** A tool call the fake answers with; {@code input} is JSON object text. */
    public record ToolUse(String id, String name, String input) {}

    /** A fault: an HTTP error, or an in-band {@code error} event / a cut connection after k stream events. */
    public record Failure(int status, String type, String message, Map<String, String> headers, int afterEvents, boolean cut) {
        public static Failure http(int status, String type, String message) {
            return new Failure(status, type, message, Map.of(), -1, false);
        }

        public Failure withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Failure(status, type, message, h, afterEvents, cut);
        }

        /** After k events of a stream, an {@code event: error} (e.g. overloaded_error). */
        public static Failure inBand(int afterEvents, String type, String message) {
            return new Failure(200, type, message, Map.of(), afterEvents, false);
        }

        /** After k events of a stream, the connection closes. */
        public static Failure cutAfter(int afterEvents) {
            return new Failure(200, null, null, Map.of(), afterEvents, true);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final AtomicLong ids = new AtomicLong();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile Consumer<JsonNode> onRequest = j -> { };
    private volatile ObjectNode extraFields = JSON.createObjectNode();
    private volatile String answer = DEFAULT_ANSWER;
    private volatile List<ToolUse> toolUses = List.of();
    private volatile String thinking;
    private volatile String signature;
    private volatile String stopSequenceHit;
    private volatile long inputTokens = 25;
    private volatile long cacheRead;
    private volatile long cacheWrite;
    private volatile Failure failure;
    private volatile int failuresLeft;
    private volatile long headDelayMs;
    private volatile boolean rejectPrefill;
    private volatile long firstTokenDelayMs;
    private volatile boolean anthropicOnlyFields;

    private FakeAnthropic() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
    }

    public static FakeAnthropic start() {
        FakeAnthropic fake = new FakeAnthropic();
        await(fake.server.listen());
        return fake;
    }

    /** The origin, which is what Anthropic's base URL is: {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() {
        await(server.close());
        await(vertx.close());
    }

    // ---- behaviour ----------------------------------------------------------------------------

    public FakeAnthropic answer(String text) { this.answer = text; return this; }

    public FakeAnthropic toolUses(ToolUse... uses) { this.toolUses = List.of(uses); return this; }

    /** Answer with a thinking block first. */
    public FakeAnthropic thinking(String text, String signature) { this.thinking = text; this.signature = signature; return this; }

    public FakeAnthropic usage(long input, long cacheRead, long cacheWrite) {
        this.inputTokens = input;
        this.cacheRead = cacheRead;
        this.cacheWrite = cacheWrite;
        return this;
    }

    public FakeAnthropic failNext(int n, Failure f) { this.failure = f; this.failuresLeft = n; return this; }

    /** Delay between receiving a request and answering it (e.g. to measure time to first token). */
    public FakeAnthropic headDelay(java.time.Duration delay) { this.headDelayMs = delay.toMillis(); return this; }

    /**
     * Refuses a request whose last message is the assistant's (a prefill) with a 400
     * {@code invalid_request_error}, as some Anthropic-format providers and models do. The real
     * API accepts it (the default here too) and continues that message.
     */
    public FakeAnthropic rejectPrefill(boolean on) { this.rejectPrefill = on; return this; }

    /** In a stream, the head and the opening events come at once and the first content delta after {@code delay}. */
    public FakeAnthropic firstTokenDelay(java.time.Duration delay) { this.firstTokenDelayMs = delay.toMillis(); return this; }

    /**
     * Scripts the answer from the request itself: called with each request's JSON (null when it is
     * not JSON) before it is answered, for clients that send several different requests per call.
     */
    public FakeAnthropic onRequest(Consumer<JsonNode> hook) {
        this.onRequest = hook == null ? j -> { } : hook;
        return this;
    }

    /** Adds a top-level field to every message (answer and message_start), e.g. one only Anthropic defines. */
    public FakeAnthropic extraField(String name, JsonNode value) {
        ObjectNode copy = extraFields.deepCopy();
        copy.set(name, value);
        extraFields = copy;
        return this;
    }

    /**
     * Answers carry top-level fields only Anthropic's format defines, as newer API versions send them:
     * {@code container} and {@code stop_details} on the message (and in a stream's message_start and
     * message_delta).
     */
    public FakeAnthropic anthropicOnlyFields(boolean on) { this.anthropicOnlyFields = on; return this; }

    private ObjectNode withAnthropicOnlyFields(ObjectNode node) {
        if (anthropicOnlyFields) {
            node.putObject("container").put("id", "container_1").put("expires_at", "2030-01-01T00:00:00Z");
            node.putObject("stop_details").put("type", "end_turn_details");
        }
        return node;
    }

    public FakeAnthropic reset() {
        answer = DEFAULT_ANSWER;
        toolUses = List.of();
        thinking = null;
        signature = null;
        inputTokens = 25;
        cacheRead = 0;
        cacheWrite = 0;
        failure = null;
        failuresLeft = 0;
        headDelayMs = 0;
        rejectPrefill = false;
        firstTokenDelayMs = 0;
        extraFields = JSON.createObjectNode();
        anthropicOnlyFields = false;
        requests.clear();
        return this;
    }

    public List<RecordedRequest> requests() { return List.copyOf(requests); }

    public RecordedRequest lastRequest() { return requests.getLast(); }

    public String lastStopSequence() { return stopSequenceHit; }

    // ---- handling -----------------------------------------------------------------------------

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buffer -> {
            byte[] bytes = buffer.getBytes();
            JsonNode json;
            try {
                json = JSON.readTree(bytes);
            } catch (Exception e) {
                json = null;
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            req.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
            requests.add(new RecordedRequest(req.method().name(), req.path(), req.query() == null ? "" : req.query(), headers, bytes, json,
                    json == null ? List.of() : unknown(json)));
            onRequest.accept(json);
            JsonNode parsed = json;
            Runnable answer = () -> {
                try {
                    process(req, parsed);
                } catch (RuntimeException e) {
                    error(req, 599, "api_error", "fake upstream bug: " + e, Map.of());
                    throw e;
                }
            };
            if (headDelayMs > 0) vertx.setTimer(headDelayMs, t -> answer.run()); else answer.run();
        });
    }

    /** {@code GET /v1/models} (Models API: list), one page; same key and version checks as a message. */
    private void listModels(HttpServerRequest req) {
        if (!DEFAULT_KEY.equals(req.getHeader("x-api-key"))) {
            error(req, 401, "authentication_error", "invalid x-api-key", Map.of());
            return;
        }
        if (req.getHeader("anthropic-version") == null) {
            error(req, 400, "invalid_request_error", "anthropic-version: header is required", Map.of());
            return;
        }
        String body = "{\"data\":[{\"type\":\"model\",\"id\":\"claude-sonnet-4-5\",\"display_name\":\"Claude Sonnet 4.5\","
                + "\"created_at\":\"2025-09-29T00:00:00Z\"}],\"has_more\":false,\"first_id\":\"claude-sonnet-4-5\","
                + "\"last_id\":\"claude-sonnet-4-5\"}";
        req.response().setStatusCode(200).putHeader("content-type", "application/json").end(body);
    }

    private static List<String> unknown(JsonNode json) {
        List<String> out = new ArrayList<>();
        json.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) out.add(f);
        });
        return out;
    }

    private void process(HttpServerRequest req, JsonNode json) {
        if (req.path().equals("/v1/models") && req.method() == io.vertx.core.http.HttpMethod.GET) {
            listModels(req);
            return;
        }
        if (!req.path().equals("/v1/messages") || req.method() != io.vertx.core.http.HttpMethod.POST) {
            error(req, 404, "not_found_error", "Not found", Map.of());
            return;
        }
        if (!DEFAULT_KEY.equals(req.getHeader("x-api-key"))) {
            error(req, 401, "authentication_error", "invalid x-api-key", Map.of());
            return;
        }
        if (req.getHeader("anthropic-version") == null) {
            error(req, 400, "invalid_request_error", "anthropic-version: header is required", Map.of());
            return;
        }
        String ct = req.getHeader("content-type");
        if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json") || json == null || !json.isObject()) {
            error(req, 400, "invalid_request_error", "There was an issue with your request body: expected a JSON object", Map.of());
            return;
        }
        String problem = validate(json);
        if (problem != null) {
            error(req, 400, "invalid_request_error", problem, Map.of());
            return;
        }
        JsonNode messages = json.get("messages");
        if (rejectPrefill && "assistant".equals(messages.get(messages.size() - 1).path("role").asText())) {
            error(req, 400, "invalid_request_error", "This model does not support assistant message prefill. "
                    + "The conversation must end with a user message.", Map.of());
            return;
        }
        Failure f = failure;
        if (f != null && failuresLeft > 0) {
            failuresLeft--;
            if (f.afterEvents() < 0) {
                error(req, f.status(), f.type(), f.message(), f.headers());
                return;
            }
        } else {
            f = null;
        }
        Answer a = answer(json);
        if (json.path("stream").asBoolean(false)) {
            stream(req, a, f);
        } else {
            req.response().setStatusCode(200).putHeader("content-type", "application/json")
                    .putHeader("request-id", "req_fake" + ids.incrementAndGet()).end(withAnthropicOnlyFields(a.message()).setAll(extraFields).toString());
        }
    }

    // ---- validation, per the Messages API reference -------------------------------------------

    static String validate(JsonNode j) {
        for (String f : unknown(j)) {
            return f + ": Extra inputs are not permitted";
        }
        if (!j.path("model").isTextual()) return "model: Field required";
        if (!j.has("max_tokens")) return "max_tokens: Field required";
        if (!j.get("max_tokens").isIntegralNumber() || j.get("max_tokens").asInt() < 1) return "max_tokens: Input should be a positive integer";
        JsonNode messages = j.get("messages");
        if (messages == null || !messages.isArray()) return "messages: Field required";
        if (messages.isEmpty()) return "messages: at least one message is required";
        if (j.has("system") && !j.get("system").isTextual() && !j.get("system").isArray()) return "system: Input should be a valid string";
        if (j.has("temperature") && (j.get("temperature").asDouble() < 0 || j.get("temperature").asDouble() > 1))
            return "temperature: Input should be less than or equal to 1";
        if (j.has("stop_sequences") && !j.get("stop_sequences").isArray()) return "stop_sequences: Input should be a valid list";
        Set<String> toolNames = new HashSet<>();
        for (int i = 0; i < j.path("tools").size(); i++) {
            JsonNode t = j.get("tools").get(i);
            if (!TOOL_NAME.matcher(t.path("name").asText("")).matches()) return "tools." + i + ".name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'";
            if (!t.path("input_schema").isObject() || !"object".equals(t.path("input_schema").path("type").asText()))
                return "tools." + i + ".input_schema: Input should be an object with type 'object'";
            for (java.util.Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("name", "description", "input_schema", "type", "cache_control").contains(f))
                    return "tools." + i + "." + f + ": Extra inputs are not permitted";
            }
            toolNames.add(t.path("name").asText());
        }
        JsonNode tc = j.get("tool_choice");
        if (tc != null) {
            String type = tc.path("type").asText("");
            if (!Set.of("auto", "any", "tool", "none").contains(type)) return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
            if (type.equals("tool") && !toolNames.contains(tc.path("name").asText())) return "tool_choice.name: tool not found in tools";
            if (!j.has("tools")) return "tool_choice: may only be specified while providing tools";
        }
        JsonNode thinking = j.get("thinking");
        if (thinking != null && "enabled".equals(thinking.path("type").asText())) {
            int budget = thinking.path("budget_tokens").asInt(0);
            if (budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
            if (budget >= j.get("max_tokens").asInt()) return "`max_tokens` must be greater than `thinking.budget_tokens`";
            if (j.has("temperature") && j.get("temperature").asDouble() != 1.0) return "`temperature` may only be set to 1 when thinking is enabled";
            if (tc != null && Set.of("any", "tool").contains(tc.path("type").asText())) return "Thinking may not be enabled when tool_choice forces tool use.";
        }
        JsonNode outputConfig = j.get("output_config");
        if (outputConfig != null) {
            for (java.util.Iterator<String> it = outputConfig.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("format") && !f.equals("effort")) return "output_config." + f + ": Extra inputs are not permitted";
            }
            JsonNode format = outputConfig.get("format");
            if (format != null && !format.isNull()) {
                if (!"json_schema".equals(format.path("type").asText())) return "output_config.format.type: Input should be 'json_schema'";
                if (!format.path("schema").isObject()) return "output_config.format.schema: Field required";
                if (!"object".equals(format.path("schema").path("type").asText())) return "output_config.format.schema: root must be an object schema";
            }
        }
        JsonNode lastMessage = messages.get(messages.size() - 1);
        if ("assistant".equals(lastMessage.path("role").asText())) {
            JsonNode content = lastMessage.path("content");
            String text = content.isTextual() ? content.asText()
                    : content.isArray() && !content.isEmpty() ? content.get(content.size() - 1).path("text").asText("") : "";
            if (!text.equals(text.stripTrailing())) return "messages: final assistant content cannot end with trailing whitespace";
        }
        Set<String> pendingToolUses = new HashSet<>();
        String previous = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String p = "messages." + i;
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) return p + ".role: Input should be 'user' or 'assistant'";
            if (i == 0 && !role.equals("user")) return "messages: first message must use the \"user\" role";
            if (role.equals(previous)) return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"" + role + "\" roles in a row";
            previous = role;
            for (java.util.Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("role") && !f.equals("content")) return p + "." + f + ": Extra inputs are not permitted";
            }
            JsonNode content = m.get("content");
            if (content == null) return p + ".content: Field required";
            if (content.isTextual()) {
                if (!pendingToolUses.isEmpty()) return p + ": `tool_use` ids were found without `tool_result` blocks immediately after: " + pendingToolUses;
                if (content.asText().isEmpty() && i < messages.size() - 1) return p + ": all messages must have non-empty content";
                continue;
            }
            if (!content.isArray()) return p + ".content: Input should be a valid string or list";
            if (content.isEmpty()) return p + ": all messages must have non-empty content except for the optional final assistant message";
            Set<String> answered = new HashSet<>();
            boolean seenOther = false;
            Set<String> uses = new HashSet<>();
            for (int b = 0; b < content.size(); b++) {
                JsonNode block = content.get(b);
                String bp = p + ".content." + b;
                String type = block.path("type").asText("");
                if (!(role.equals("user") ? USER_BLOCKS : ASSISTANT_BLOCKS).contains(type))
                    return bp + ".type: '" + type + "' blocks are not allowed in " + role + " messages";
                switch (type) {
                    case "text" -> {
                        if (!block.path("text").isTextual() || block.path("text").asText().isEmpty()) return bp + ": text content blocks must be non-empty";
                        seenOther = true;
                    }
                    case "image" -> {
                        JsonNode s = block.path("source");
                        String st = s.path("type").asText("");
                        if (st.equals("base64")) {
                            if (!MEDIA.contains(s.path("media_type").asText())) return bp + ".source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'";
                            if (!s.path("data").isTextual()) return bp + ".source.data: Field required";
                        } else if (st.equals("url")) {
                            if (!s.path("url").asText("").startsWith("http")) return bp + ".source.url: invalid URL";
                        } else {
                            return bp + ".source.type: Input should be 'base64' or 'url'";
                        }
                        seenOther = true;
                    }
                    case "tool_result" -> {
                        if (seenOther) return bp + ": tool_result blocks must come first in the user message content";
                        String id = block.path("tool_use_id").asText("");
                        if (!pendingToolUses.contains(id)) return bp + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id
                                + ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.";
                        answered.add(id);
                    }
                    case "tool_use" -> {
                        if (!block.path("id").isTextual() || !block.path("name").isTextual() || !block.path("input").isObject())
                            return bp + ": tool_use needs id, name and an input object";
                        uses.add(block.get("id").asText());
                    }
                    case "thinking" -> {
                        if (!block.path("signature").isTextual() || block.path("signature").asText().isEmpty())
                            return bp + ".signature: Field required";
                    }
                    default -> { }
                }
            }
            if (role.equals("user")) {
                if (!answered.containsAll(pendingToolUses)) {
                    Set<String> missing = new HashSet<>(pendingToolUses);
                    missing.removeAll(answered);
                    return p + ": `tool_use` ids were found without `tool_result` blocks immediately after: " + missing;
                }
                pendingToolUses.clear();
            } else {
                pendingToolUses = uses;
            }
        }
        return null;
    }

    // ---- answers ------------------------------------------------------------------------------

    private record Answer(String id, String model, String thinking, String signature, String text, List<ToolUse> tools,
            String stopReason, String stopSequence, long input, long cacheRead, long cacheWrite, long output) {

        ObjectNode message() {
            ObjectNode m = JSON.createObjectNode();
            m.put("id", id).put("type", "message").put("role", "assistant").put("model", model);
            ArrayNode content = m.putArray("content");
            if (thinking != null) content.addObject().put("type", "thinking").put("thinking", thinking).put("signature", signature);
            if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
            for (ToolUse t : tools) {
                ObjectNode b = content.addObject().put("type", "tool_use").put("id", t.id()).put("name", t.name());
                try {
                    b.set("input", JSON.readTree(t.input()));
                } catch (Exception e) {
                    throw new IllegalArgumentException(e);
                }
            }
            m.put("stop_reason", stopReason);
            if (stopSequence == null) m.putNull("stop_sequence"); else m.put("stop_sequence", stopSequence);
            m.set("usage", usage(true));
            return m;
        }

        ObjectNode usage(boolean full) {
            ObjectNode u = JSON.createObjectNode();
            u.put("input_tokens", input).put("cache_creation_input_tokens", cacheWrite).put("cache_read_input_tokens", cacheRead);
            u.put("output_tokens", full ? output : 1);
            return u;
        }
    }

    private Answer answer(JsonNode j) {
        int max = j.get("max_tokens").asInt();
        String text = answer;
        String stopReason = toolUses.isEmpty() ? "end_turn" : "tool_use";
        String hit = null;
        for (JsonNode s : j.path("stop_sequences")) {
            int at = text.indexOf(s.asText());
            if (at >= 0) {
                text = text.substring(0, at);
                stopReason = "stop_sequence";
                hit = s.asText();
                break;
            }
        }
        String[] words = text.isEmpty() ? new String[0] : text.split("(?<= )");
        if (words.length > max) {
            text = String.join("", java.util.Arrays.copyOf(words, max));
            words = java.util.Arrays.copyOf(words, max);
            stopReason = "max_tokens";
            hit = null;
        }
        stopSequenceHit = hit;
        List<ToolUse> tools = stopReason.equals("max_tokens") ? List.of() : toolUses;
        return new Answer("msg_fake" + ids.incrementAndGet(), j.get("model").asText(), thinking, signature, text, tools, stopReason, hit,
                inputTokens, cacheRead, cacheWrite, words.length + tools.size() * 10L);
    }

    private void stream(HttpServerRequest req, Answer a, Failure f) {
        List<String> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = withAnthropicOnlyFields(a.message()).setAll(extraFields);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.set("usage", a.usage(false));
        start.set("message", message);
        events.add(event("message_start", start));
        int index = 0;
        if (a.thinking() != null) {
            events.add(blockStart(index, JSON.createObjectNode().put("type", "thinking").put("thinking", "")));
            for (String piece : a.thinking().split("(?<= )")) {
                events.add(delta(index, JSON.createObjectNode().put("type", "thinking_delta").put("thinking", piece)));
            }
            events.add(delta(index, JSON.createObjectNode().put("type", "signature_delta").put("signature", a.signature())));
            events.add(blockStop(index++));
        }
        if (!a.text().isEmpty()) {
            events.add(blockStart(index, JSON.createObjectNode().put("type", "text").put("text", "")));
            events.add(event("ping", JSON.createObjectNode().put("type", "ping")));
            for (String word : a.text().split("(?<= )")) {
                events.add(delta(index, JSON.createObjectNode().put("type", "text_delta").put("text", word)));
            }
            events.add(blockStop(index++));
        }
        for (ToolUse t : a.tools()) {
            ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", t.id()).put("name", t.name());
            block.putObject("input");
            events.add(blockStart(index, block));
            events.add(delta(index, JSON.createObjectNode().put("type", "input_json_delta").put("partial_json", "")));
            String input = t.input();
            int third = Math.max(1, input.length() / 3);
            for (int i = 0; i < input.length(); i += third) {
                events.add(delta(index, JSON.createObjectNode().put("type", "input_json_delta")
                        .put("partial_json", input.substring(i, Math.min(input.length(), i + third)))));
            }
            events.add(blockStop(index++));
        }
        ObjectNode md = JSON.createObjectNode().put("type", "message_delta");
        ObjectNode d = md.putObject("delta").put("stop_reason", a.stopReason());
        if (a.stopSequence() == null) d.putNull("stop_sequence"); else d.put("stop_sequence", a.stopSequence());
        md.putObject("usage").put("output_tokens", a.output());
        withAnthropicOnlyFields(d);
        events.add(event("message_delta", md));
        events.add(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));

        var res = req.response().setStatusCode(200).setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache");
        write(req, events, 0, f, firstTokenDelayMs);
    }

    /** Writes events from {@code from} on, pausing {@code delayMs} once before the first content delta. */
    private void write(HttpServerRequest req, List<String> events, int from, Failure f, long delayMs) {
        var res = req.response();
        for (int i = from; i < events.size(); i++) {
            if (delayMs > 0 && events.get(i).startsWith("event: content_block_delta")) {
                int next = i;
                // The head and the opening events are out; the first token is late.
                vertx.setTimer(delayMs, t -> {
                    if (!res.closed()) write(req, events, next, f, 0);
                });
                return;
            }
            if (f != null && i == f.afterEvents()) {
                if (f.cut()) {
                    res.write(events.get(i).substring(0, events.get(i).length() / 2));
                    req.connection().close();
                    return;
                }
                ObjectNode err = JSON.createObjectNode().put("type", "error");
                err.putObject("error").put("type", f.type()).put("message", f.message());
                res.end(event("error", err));
                return;
            }
            res.write(events.get(i));
        }
        res.end();
    }

    private static String blockStart(int index, ObjectNode block) {
        ObjectNode e = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        e.set("content_block", block);
        return event("content_block_start", e);
    }

    private static String delta(int index, ObjectNode delta) {
        ObjectNode e = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
        e.set("delta", delta);
        return event("content_block_delta", e);
    }

    private static String blockStop(int index) {
        return event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
    }

    private static String event(String name, JsonNode data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static void error(HttpServerRequest req, int status, String type, String message, Map<String, String> headers) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        var res = req.response().setStatusCode(status).putHeader("content-type", "application/json");
        headers.forEach(res::putHeader);
        res.end(body.toString());
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}

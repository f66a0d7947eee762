package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A fake Cohere v2 API validating requests as the v2 reference documents them: {@code POST /v2/chat}
 * (fields model, messages, tools, documents, citation_options, response_format, safety_mode,
 * max_tokens, stop_sequences, temperature, seed, frequency_penalty, presence_penalty, k, p,
 * tool_choice REQUIRED/NONE, strict_tools, stream; anything else a 400), roles system / user /
 * assistant / tool, user content a string or text / image_url parts, tool messages answering a
 * call of the previous assistant turn, {@code p} within 0.01–0.99; and {@code POST /v2/embed}
 * (texts, input_type required, embedding_types); and {@code POST /v2/rerank} (model, query, documents as
 * strings, at most 1,000, top_n and max_tokens_per_doc at least 1; anything else a 400), answering
 * {@code id}, {@code results} best first and {@code meta.billed_units.search_units}. Streams send v2's typed events: message-start,
 * content-start/delta/end, tool-plan-delta, tool-call-start/delta/end, citation-start/end and
 * message-end with finish_reason and usage.
 */
public final class FakeCohere extends RecordingFake {
    public static final String KEY = "cohere-fake-key";
    private static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "tools", "documents", "citation_options",
            "response_format", "safety_mode", "max_tokens", "stop_sequences", "temperature", "seed", "frequency_penalty",
            "presence_penalty", "k", "p", "tool_choice", "strict_tools", "stream", "logprobs", "thinking");

    public record Call(String id, String name, String arguments) {}

    private volatile String answer = "Hello from Cohere.";
    private volatile List<Call> calls = List.of();
    private volatile boolean cite;
    private volatile String finishReason;
    private volatile String preferred;

    private FakeCohere() {}

    public static FakeCohere start() {
        FakeCohere fake = new FakeCohere();
        fake.listen();
        return fake;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public FakeCohere answer(String text) { answer = text; calls = List.of(); return this; }

    public FakeCohere toolCalls(Call... c) { calls = List.of(c); return this; }

    /** Answers carry a citation of the first document or tool result. */
    public FakeCohere cite(boolean on) { cite = on; return this; }

    public FakeCohere failNext(int status, String message) { failNext(new Failure(status, message, -1)); return this; }

    /** The next request fails with this message and a Retry-After header. */
    public FakeCohere failNext(int status, String message, int retryAfterSeconds) {
        failNext(new Failure(status, message, retryAfterSeconds)); return this;
    }

    /** Forces the finish reason (e.g. MAX_TOKENS, STOP_SEQUENCE); null = automatic. */
    public FakeCohere finishReason(String reason) { finishReason = reason; return this; }

    /**
     * The reranker ranks documents containing {@code word} first (0.9, then 0.5 for the others, a little
     * less for each later document); null: every document by its position.
     */
    public FakeCohere prefer(String word) { preferred = word; return this; }

    public FakeCohere reset() {
        answer = "Hello from Cohere."; calls = List.of(); cite = false; clearFailure(); finishReason = null; preferred = null;
        return this;
    }

    @Override
    void handle(HttpServerRequest req, JsonNode json) {
        HttpServerResponse res = req.response();
        if (!("Bearer " + KEY).equals(req.getHeader("authorization"))) {
            error(res, 401, "invalid api token");
            return;
        }
        if (json == null || !json.isObject()) {
            error(res, 400, "invalid request: body must be a JSON object");
            return;
        }
        String problem = switch (req.path()) {
            case "/v2/chat" -> validateChat(json);
            case "/v2/embed" -> validateEmbed(json);
            case "/v2/rerank" -> validateRerank(json);
            default -> "not found";
        };
        if (problem != null) {
            error(res, problem.equals("not found") ? 404 : 400, problem);
            return;
        }
        Failure failure = takeFailure();
        if (failure != null) {
            failure.retryAfter(res);
            error(res, failure.status(), failure.payload());
            return;
        }
        if (req.path().equals("/v2/embed")) {
            embed(res, json);
        } else if (req.path().equals("/v2/rerank")) {
            rerank(res, json);
        } else if (json.path("stream").asBoolean(false)) {
            stream(res);
        } else {
            res.putHeader("content-type", "application/json").end(whole().toString());
        }
    }

    static void error(HttpServerResponse res, int status, String message) {
        res.setStatusCode(status).putHeader("content-type", "application/json")
                .end(JSON.createObjectNode().put("id", "err-1").put("message", message).toString());
    }

    private static String validateChat(JsonNode root) {
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!CHAT_FIELDS.contains(f)) {
                return "invalid request: unknown field: parameter " + f + " is not a valid field";
            }
        }
        if (!root.path("model").isTextual()) {
            return "invalid request: model must be a string";
        }
        JsonNode messages = root.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            return "invalid request: messages must not be empty";
        }
        Set<String> pending = Set.of();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            switch (role) {
                case "system" -> {
                    if (!m.path("content").isTextual()) {
                        return "invalid request: messages[" + i + "].content must be a string for system messages";
                    }
                }
                case "user" -> {
                    JsonNode c = m.path("content");
                    if (c.isArray()) {
                        for (JsonNode p : c) {
                            String type = p.path("type").asText("");
                            if (type.equals("image_url")) {
                                if (!p.path("image_url").path("url").isTextual()) {
                                    return "invalid request: messages[" + i + "] image_url.url is required";
                                }
                            } else if (!type.equals("text") || !p.path("text").isTextual()) {
                                return "invalid request: messages[" + i + "] content parts must be text or image_url";
                            }
                        }
                    } else if (!c.isTextual()) {
                        return "invalid request: messages[" + i + "].content must be a string or a list of parts";
                    }
                }
                case "assistant" -> {
                    Set<String> ids = new LinkedHashSet<>();
                    for (JsonNode tc : m.path("tool_calls")) {
                        if (!tc.path("id").isTextual() || !tc.path("function").path("name").isTextual()
                                || !tc.path("function").path("arguments").isTextual()) {
                            return "invalid request: messages[" + i + "].tool_calls need id, function.name and function.arguments";
                        }
                        ids.add(tc.path("id").asText());
                    }
                    if (ids.isEmpty() && !m.has("content")) {
                        return "invalid request: messages[" + i + "] assistant message needs content or tool_calls";
                    }
                    pending = ids;
                    continue;
                }
                case "tool" -> {
                    String id = m.path("tool_call_id").asText("");
                    if (!pending.contains(id)) {
                        return "invalid request: tool call id " + id + " was not generated by the model";
                    }
                }
                default -> {
                    return "invalid request: role must be one of system, user, assistant, tool";
                }
            }
            if (!role.equals("tool")) {
                pending = Set.of();
            }
        }
        if (root.has("p") && (root.get("p").asDouble() < 0.01 || root.get("p").asDouble() > 0.99)) {
            return "invalid request: p must be between 0.01 and 0.99";
        }
        JsonNode choice = root.get("tool_choice");
        if (choice != null && !Set.of("REQUIRED", "NONE").contains(choice.asText())) {
            return "invalid request: tool_choice must be REQUIRED or NONE";
        }
        for (JsonNode t : root.path("tools")) {
            if (!"function".equals(t.path("type").asText()) || !t.path("function").path("name").isTextual()) {
                return "invalid request: tools must be of type function with a name";
            }
        }
        return null;
    }

    private static String validateEmbed(JsonNode root) {
        if (!root.path("texts").isArray() || root.path("texts").isEmpty()) {
            return "invalid request: texts must not be empty";
        }
        if (!Set.of("search_document", "search_query", "classification", "clustering", "image")
                .contains(root.path("input_type").asText(""))) {
            return "invalid request: input_type is required for embed models v3 and higher";
        }
        return null;
    }

    private static String validateRerank(JsonNode root) {
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("model", "query", "documents", "top_n", "max_tokens_per_doc").contains(f)) {
                return "invalid request: unknown field: parameter " + f + " is not a valid field";
            }
        }
        if (!root.path("model").isTextual()) {
            return "invalid request: model must be a string";
        }
        if (!root.path("query").isTextual() || root.path("query").asText().isEmpty()) {
            return "invalid request: query must be a non-empty string";
        }
        JsonNode docs = root.path("documents");
        if (!docs.isArray() || docs.isEmpty() || docs.size() > 1000) {
            return "invalid request: documents must be a list of 1 to 1000 strings";
        }
        for (JsonNode d : docs) {
            if (!d.isTextual()) {
                return "invalid request: documents must be strings";
            }
        }
        for (String f : List.of("top_n", "max_tokens_per_doc")) {
            if (root.has(f) && (!root.get(f).isInt() || root.get(f).asInt() < 1)) {
                return "invalid request: " + f + " must be a positive integer";
            }
        }
        return null;
    }

    private void rerank(HttpServerResponse res, JsonNode request) {
        JsonNode docs = request.path("documents");
        List<double[]> scored = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            boolean first = preferred != null && docs.get(i).asText().contains(preferred);
            scored.add(new double[] {i, Math.max(0.01, (first ? 0.9 : 0.5) - i * 0.001)});
        }
        scored.sort((a, b) -> Double.compare(b[1], a[1]));
        int top = request.has("top_n") ? Math.min(request.get("top_n").asInt(), scored.size()) : scored.size();
        ObjectNode root = JSON.createObjectNode().put("id", "r-1");
        ArrayNode results = root.putArray("results");
        for (double[] s : scored.subList(0, top)) {
            results.addObject().put("index", (int) s[0]).put("relevance_score", s[1]);
        }
        ObjectNode meta = root.putObject("meta");
        meta.putObject("api_version").put("version", "2");
        meta.putObject("billed_units").put("search_units", 1);
        res.putHeader("content-type", "application/json").end(root.toString());
    }

    private ObjectNode usage(int out) {
        ObjectNode u = JSON.createObjectNode();
        u.putObject("billed_units").put("input_tokens", 13).put("output_tokens", out);
        u.putObject("tokens").put("input_tokens", 250).put("output_tokens", out + 2);
        return u;
    }

    private int outputTokens() {
        return calls.isEmpty() ? answer.split(" ").length : 6;
    }

    private ObjectNode citation() {
        ObjectNode c = JSON.createObjectNode().put("start", 0).put("end", Math.min(5, answer.length()))
                .put("text", answer.substring(0, Math.min(5, answer.length()))).put("type", "TEXT_CONTENT");
        c.putArray("sources").addObject().put("type", "tool").put("id", "src-1").putObject("tool_output").put("text", "source");
        return c;
    }

    private ObjectNode whole() {
        ObjectNode root = JSON.createObjectNode().put("id", "c-1");
        ObjectNode message = root.putObject("message").put("role", "assistant");
        if (calls.isEmpty()) {
            message.putArray("content").addObject().put("type", "text").put("text", answer);
            if (cite) {
                message.putArray("citations").add(citation());
            }
            root.put("finish_reason", finishReason != null ? finishReason : "COMPLETE");
        } else {
            message.put("tool_plan", "I will call the tool.");
            ArrayNode tc = message.putArray("tool_calls");
            for (Call c : calls) {
                tc.addObject().put("id", c.id()).put("type", "function").putObject("function").put("name", c.name())
                        .put("arguments", c.arguments());
            }
            root.put("finish_reason", "TOOL_CALL");
        }
        root.set("usage", usage(outputTokens()));
        return root;
    }

    private void stream(HttpServerResponse res) {
        res.setChunked(true).putHeader("content-type", "text/event-stream");
        List<ObjectNode> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message-start").put("id", "c-1");
        start.putObject("delta").putObject("message").put("role", "assistant");
        events.add(start);
        if (calls.isEmpty()) {
            events.add(event("content-start", 0, m -> m.putObject("content").put("type", "text").put("text", "")));
            for (String word : answer.split("(?<= )")) {
                events.add(event("content-delta", 0, m -> m.putObject("content").put("text", word)));
            }
            events.add(JSON.createObjectNode().put("type", "content-end").put("index", 0));
            if (cite) {
                ObjectNode cs = JSON.createObjectNode().put("type", "citation-start").put("index", 0);
                cs.putObject("delta").putObject("message").set("citations", citation());
                events.add(cs);
                events.add(JSON.createObjectNode().put("type", "citation-end").put("index", 0));
            }
        } else {
            events.add(event("tool-plan-delta", -1, m -> m.put("tool_plan", "I will call the tool.")));
            for (int i = 0; i < calls.size(); i++) {
                Call c = calls.get(i);
                events.add(event("tool-call-start", i, m -> m.putObject("tool_calls").put("id", c.id()).put("type", "function")
                        .putObject("function").put("name", c.name()).put("arguments", "")));
                int half = c.arguments().length() / 2;
                for (String piece : new String[] {c.arguments().substring(0, half), c.arguments().substring(half)}) {
                    events.add(event("tool-call-delta", i, m -> m.putObject("tool_calls").putObject("function").put("arguments", piece)));
                }
                events.add(JSON.createObjectNode().put("type", "tool-call-end").put("index", i));
            }
        }
        ObjectNode end = JSON.createObjectNode().put("type", "message-end");
        ObjectNode delta = end.putObject("delta").put("finish_reason", !calls.isEmpty() ? "TOOL_CALL"
                : finishReason != null ? finishReason : "COMPLETE");
        delta.set("usage", usage(outputTokens()));
        events.add(end);
        for (ObjectNode e : events) {
            res.write("event: " + e.path("type").asText() + "\ndata: " + e + "\n\n");
        }
        res.end();
    }

    private static ObjectNode event(String type, int index, java.util.function.Consumer<ObjectNode> message) {
        ObjectNode e = JSON.createObjectNode().put("type", type);
        if (index >= 0) {
            e.put("index", index);
        }
        message.accept(e.putObject("delta").putObject("message"));
        return e;
    }

    private void embed(HttpServerResponse res, JsonNode request) {
        ObjectNode root = JSON.createObjectNode().put("id", "e-1");
        ArrayNode floats = root.putObject("embeddings").putArray("float");
        for (JsonNode t : request.path("texts")) {
            ArrayNode v = floats.addArray();
            for (int i = 0; i < 4; i++) {
                v.add((t.asText().length() + i) / 10.0);
            }
        }
        root.putObject("meta").putObject("billed_units").put("input_tokens", request.path("texts").size() * 3);
        res.putHeader("content-type", "application/json").end(root.toString());
    }
}

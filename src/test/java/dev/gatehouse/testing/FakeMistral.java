package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A fake Mistral API ({@code POST /v1/chat/completions}) validating requests as Mistral does:
 * a bearer key; unknown fields refused with a 422 listing each as {@code extra_forbidden} (so
 * OpenAI-only fields such as {@code stream_options}, {@code max_completion_tokens}, {@code seed}
 * or {@code user} fail); roles; tool call ids of exactly 9 characters [a-zA-Z0-9] in assistant
 * {@code tool_calls} and tool messages (400 with Mistral's wording); each tool message answering a
 * call of the previous assistant turn; {@code tool_choice} one of auto/none/any/required or a named
 * function. Answers carry 9-character tool call ids; streams end with usage and {@code [DONE]}.
 */
public final class FakeMistral extends RecordingFake {
    public static final String KEY = "mistral-fake-key";
    private static final Set<String> FIELDS = Set.of("model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop",
            "random_seed", "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n",
            "prediction", "parallel_tool_calls", "prompt_mode", "safe_prompt");
    private static final Pattern ID = Pattern.compile("[a-zA-Z0-9]{9}");

    public record Call(String id, String name, String arguments) {}

    private volatile String answer = "Bonjour from Mistral.";
    private volatile List<Call> calls = List.of();
    private volatile String finishReason;

    private FakeMistral() {}

    public static FakeMistral start() {
        FakeMistral fake = new FakeMistral();
        fake.listen();
        return fake;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    public FakeMistral answer(String text) { answer = text; calls = List.of(); return this; }

    public FakeMistral toolCalls(Call... c) { calls = List.of(c); return this; }

    /** The next request fails with Mistral's error body for this status. */
    public FakeMistral failNext(int status, String body) { failNext(new Failure(status, body, -1)); return this; }

    /** The next request fails with this body and a Retry-After header. */
    public FakeMistral failNext(int status, String body, int retryAfterSeconds) {
        failNext(new Failure(status, body, retryAfterSeconds)); return this;
    }

    /** Forces the finish reason (e.g. "length" for an answer cut by max_tokens); null = automatic. */
    public FakeMistral finishReason(String reason) { finishReason = reason; return this; }

    public FakeMistral reset() { answer = "Bonjour from Mistral."; calls = List.of(); clearFailure(); finishReason = null; return this; }

    @Override
    void handle(HttpServerRequest req, JsonNode json) {
        if (!("Bearer " + KEY).equals(req.getHeader("authorization"))) {
            send(req, 401, "{\"message\":\"Unauthorized\",\"request_id\":\"r1\"}");
            return;
        }
        if (!req.path().equals("/v1/chat/completions") || json == null || !json.isObject()) {
            send(req, 404, "{\"object\":\"error\",\"message\":\"Not found\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}");
            return;
        }
        String problem = validate((ObjectNode) json);
        if (problem != null) {
            send(req, problem.startsWith("{") ? 422 : 400, problem.startsWith("{") ? problem
                    : JSON.createObjectNode().put("object", "error").put("message", problem).put("type", "invalid_request_message_error")
                            .putNull("param").put("code", "3051").toString());
            return;
        }
        Failure failure = takeFailure();
        if (failure != null) {
            failure.retryAfter(req.response());
            send(req, failure.status(), failure.payload());
            return;
        }
        if (json.path("stream").asBoolean(false)) {
            stream(req, json);
        } else {
            send(req, 200, whole(json).toString());
        }
    }

    private static void send(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    /** Null when valid; a Mistral 422 body (JSON) or a 400 message. */
    private static String validate(ObjectNode root) {
        ArrayNode detail = JSON.createArrayNode();
        root.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                ObjectNode d = detail.addObject().put("type", "extra_forbidden");
                d.putArray("loc").add("body").add(f);
                d.put("msg", "Extra inputs are not permitted");
            }
        });
        if (!detail.isEmpty()) {
            ObjectNode body = JSON.createObjectNode().put("object", "error");
            body.putObject("message").set("detail", detail);
            body.put("type", "invalid_request_message_error").putNull("param").putNull("code");
            return body.toString();
        }
        Set<String> pending = Set.of();
        for (JsonNode m : root.path("messages")) {
            String role = m.path("role").asText("");
            if (!Set.of("system", "user", "assistant", "tool").contains(role)) {
                return "Invalid role: " + role;
            }
            Set<String> ids = new java.util.LinkedHashSet<>();
            for (JsonNode c : m.path("tool_calls")) {
                String id = c.path("id").asText("");
                if (!ID.matcher(id).matches()) {
                    return "Tool call id was " + id + " but must be a-z, A-Z, 0-9, with a length of 9.";
                }
                ids.add(id);
            }
            if (role.equals("tool")) {
                String id = m.path("tool_call_id").asText("");
                if (!ID.matcher(id).matches()) {
                    return "Tool call id was " + id + " but must be a-z, A-Z, 0-9, with a length of 9.";
                }
                if (!pending.contains(id)) {
                    return "Unexpected tool call id " + id + " in tool results";
                }
            }
            if (role.equals("assistant")) {
                pending = ids;
            }
        }
        JsonNode choice = root.get("tool_choice");
        if (choice != null && choice.isTextual() && !Set.of("auto", "none", "any", "required").contains(choice.asText())) {
            return "Invalid tool_choice: " + choice.asText();
        }
        return null;
    }

    private ObjectNode message() {
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (calls.isEmpty()) {
            message.put("content", answer);
        } else {
            message.put("content", "");
            ArrayNode tc = message.putArray("tool_calls");
            for (Call c : calls) {
                ObjectNode call = tc.addObject().put("id", c.id()).put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
        }
        return message;
    }

    private String finish() {
        return finishReason != null ? finishReason : calls.isEmpty() ? "stop" : "tool_calls";
    }

    private ObjectNode usage() {
        int out = calls.isEmpty() ? answer.split(" ").length : 8;
        return JSON.createObjectNode().put("prompt_tokens", 9).put("completion_tokens", out).put("total_tokens", 9 + out);
    }

    private ObjectNode whole(JsonNode request) {
        ObjectNode root = JSON.createObjectNode().put("id", "cmpl-fake").put("object", "chat.completion")
                .put("created", 1_700_000_000).put("model", request.path("model").asText());
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        choice.set("message", message());
        choice.put("finish_reason", finish());
        root.set("usage", usage());
        return root;
    }

    private void stream(HttpServerRequest req, JsonNode request) {
        var res = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
        String model = request.path("model").asText();
        List<ObjectNode> deltas = new ArrayList<>();
        deltas.add(JSON.createObjectNode().put("role", "assistant").put("content", ""));
        if (calls.isEmpty()) {
            for (String word : answer.split("(?<= )")) {
                deltas.add(JSON.createObjectNode().put("content", word));
            }
        } else {
            ObjectNode d = JSON.createObjectNode();
            d.set("tool_calls", message().get("tool_calls"));
            for (int i = 0; i < d.get("tool_calls").size(); i++) {
                ((ObjectNode) d.get("tool_calls").get(i)).put("index", i);
            }
            deltas.add(d);
        }
        for (int i = 0; i < deltas.size(); i++) {
            ObjectNode chunk = JSON.createObjectNode().put("id", "cmpl-fake").put("object", "chat.completion.chunk")
                    .put("created", 1_700_000_000).put("model", model);
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            choice.set("delta", deltas.get(i));
            if (i == deltas.size() - 1) {
                choice.put("finish_reason", finish());
                chunk.set("usage", usage());
            } else {
                choice.putNull("finish_reason");
            }
            res.write("data: " + chunk + "\n\n");
        }
        res.end("data: [DONE]\n\n");
    }
}

package dev.gatehouse.dialect.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Canonical answers as Responses API {@code response} objects: the request's parameters echoed as
 * OpenAI echoes them, the output items, the status ({@code completed}, or {@code incomplete} with
 * its reason when the output limit or a content filter cut the answer) and usage.
 */
public final class ResponsesResponseEncoder {
    private ResponsesResponseEncoder() {}

    /** A whole answer as a response object. */
    public static ObjectNode encode(ResponsesRequest request, String id, long createdAt, ChatResponse response, String model) {
        ObjectNode out = shell(request, id, createdAt, model);
        out.set("output", ResponsesItems.output(response));
        finish(out, response.finishReason(), response.usage());
        return out;
    }

    /** The response object as it stands before any output: status {@code in_progress}, no usage. */
    public static ObjectNode shell(ResponsesRequest request, String id, long createdAt, String model) {
        ObjectNode root = request.root();
        ObjectNode out = OpenAiJson.MAPPER.createObjectNode();
        out.put("id", id).put("object", "response").put("created_at", createdAt).put("status", "in_progress");
        out.put("background", false);
        out.putNull("error");
        out.putNull("incomplete_details");
        out.put("instructions", request.instructions());
        echo(out, root, "max_output_tokens");
        out.put("model", model);
        out.putArray("output");
        out.put("parallel_tool_calls", !root.path("parallel_tool_calls").isBoolean() || root.get("parallel_tool_calls").booleanValue());
        out.put("previous_response_id", request.previousResponseId());
        ObjectNode reasoning = out.putObject("reasoning");
        reasoning.set("effort", value(root.path("reasoning").get("effort")));
        reasoning.set("summary", value(root.path("reasoning").get("summary")));
        out.put("store", request.store());
        out.put("temperature", root.path("temperature").isNumber() ? root.get("temperature").doubleValue() : 1.0);
        ObjectNode text = out.putObject("text");
        JsonNode format = root.path("text").get("format");
        text.set("format", format == null || format.isNull() ? OpenAiJson.MAPPER.createObjectNode().put("type", "text") : format);
        JsonNode choice = root.get("tool_choice");
        out.set("tool_choice", choice == null || choice.isNull() ? OpenAiJson.MAPPER.getNodeFactory().textNode("auto") : choice);
        ArrayNode tools = out.putArray("tools");
        for (JsonNode tool : root.path("tools")) {
            ObjectNode t = tools.addObject().put("type", "function").put("name", tool.path("name").asText());
            echo(t, tool, "description");
            t.set("parameters", value(tool.get("parameters")));
            t.set("strict", value(tool.get("strict")));
        }
        out.put("top_p", root.path("top_p").isNumber() ? root.get("top_p").doubleValue() : 1.0);
        out.put("truncation", "disabled");
        out.putNull("usage");
        echo(out, root, "user");
        JsonNode metadata = root.get("metadata");
        out.set("metadata", metadata == null || metadata.isNull() ? OpenAiJson.MAPPER.createObjectNode() : metadata);
        return out;
    }

    /** Sets the final status (and incomplete reason) and usage. */
    public static void finish(ObjectNode out, FinishReason reason, Usage usage) {
        String incomplete = reason == FinishReason.LENGTH ? "max_output_tokens"
                : reason == FinishReason.CONTENT_FILTER ? "content_filter" : null;
        out.put("status", incomplete == null ? "completed" : "incomplete");
        if (incomplete != null) {
            out.putObject("incomplete_details").put("reason", incomplete);
        }
        out.set("usage", usage(usage == null ? Usage.ZERO : usage));
    }

    /** Marks a response failed with an error object. */
    public static void fail(ObjectNode out, String code, String message) {
        out.put("status", "failed");
        out.putObject("error").put("code", code).put("message", message);
    }

    public static ObjectNode usage(Usage usage) {
        ObjectNode u = OpenAiJson.MAPPER.createObjectNode();
        u.put("input_tokens", usage.inputTokens());
        u.putObject("input_tokens_details").put("cached_tokens", usage.cachedInputTokens());
        u.put("output_tokens", usage.outputTokens());
        u.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        u.put("total_tokens", usage.totalTokens());
        return u;
    }

    public static Buffer bytes(JsonNode node) {
        try {
            return Buffer.buffer(OpenAiJson.MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void echo(ObjectNode out, JsonNode from, String field) {
        out.set(field, value(from.get(field)));
    }

    private static JsonNode value(JsonNode v) {
        return v == null ? OpenAiJson.MAPPER.nullNode() : v;
    }
}

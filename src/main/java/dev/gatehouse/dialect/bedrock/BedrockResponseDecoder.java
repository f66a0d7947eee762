package dev.gatehouse.dialect.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A Converse answer ({@code output.message}, {@code stopReason}, {@code usage}) to canonical. */
final class BedrockResponseDecoder {
    private BedrockResponseDecoder() {}

    static ChatResponse decodeChat(Buffer body, boolean jsonOutput) {
        JsonNode root = BedrockWireCodec.read(body);
        List<ContentPart> content = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : root.path("output").path("message").path("content")) {
            if (block.has("text")) {
                if (!jsonOutput) { // with JSON output, text around the forced tool call is not the answer
                    content.add(new ContentPart.Text(block.path("text").asText()));
                }
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                String input = BedrockWireCodec.write(use.path("input").isMissingNode() ? BedrockWireCodec.MAPPER.createObjectNode()
                        : use.get("input"));
                if (jsonOutput && BedrockRequestEncoder.JSON_TOOL.equals(use.path("name").asText())) {
                    content.add(new ContentPart.Text(input));
                } else {
                    calls.add(new ToolCall(use.path("toolUseId").asText(), use.path("name").asText(), input));
                }
            } else if (block.has("reasoningContent")) {
                JsonNode r = block.get("reasoningContent");
                if (r.has("redactedContent")) {
                    content.add(new ContentPart.Reasoning("", r.path("redactedContent").asText(), true));
                } else {
                    JsonNode text = r.path("reasoningText");
                    content.add(new ContentPart.Reasoning(text.path("text").asText(""), text.path("signature").asText(null), false));
                }
            }
        }
        FinishReason finish = finishReason(root.path("stopReason").asText(""));
        if (jsonOutput && finish == FinishReason.TOOL_CALLS && calls.isEmpty()) {
            finish = FinishReason.STOP;
        }
        return new ChatResponse("bedrock-" + UUID.randomUUID(), null, System.currentTimeMillis() / 1000, content, calls,
                finish, usage(root.path("usage")), Map.of());
    }

    static FinishReason finishReason(String stopReason) {
        return switch (stopReason) {
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "guardrail_intervened", "content_filtered" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP; // end_turn, stop_sequence
        };
    }

    /**
     * Converse's {@code inputTokens} counts only the uncached prompt; canonical input tokens include
     * what was read from and written to the cache (as OpenAI reports them).
     */
    static Usage usage(JsonNode u) {
        if (u == null || u.isMissingNode() || !u.isObject()) {
            return null;
        }
        long read = u.path("cacheReadInputTokens").asLong(0);
        long write = u.path("cacheWriteInputTokens").asLong(0);
        return new Usage(u.path("inputTokens").asLong(0) + read + write, u.path("outputTokens").asLong(0), read, write, 0);
    }
}

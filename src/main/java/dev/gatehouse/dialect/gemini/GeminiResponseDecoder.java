package dev.gatehouse.dialect.gemini;

import static dev.gatehouse.dialect.gemini.GeminiToolCallIds.idTag;
import static dev.gatehouse.dialect.gemini.GeminiToolCallIds.toolCallId;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.MAPPER;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.read;
import static dev.gatehouse.dialect.gemini.GeminiWireCodec.write;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.ChatResponse;
import dev.gatehouse.canonical.ContentPart;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.ToolCall;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gemini's whole (non-streamed) answers to the canonical model: candidates[0] to content, tool
 * calls (with synthesized ids) and a finish reason, usageMetadata to usage, and embeddings. The
 * pieces the stream decoder shares (first candidate, finish reason, usage) live here too.
 */
final class GeminiResponseDecoder {
    private GeminiResponseDecoder() {}

    static ChatResponse decodeChat(Buffer body) {
        JsonNode root = read(body);
        JsonNode candidate = firstCandidate(root);
        String tag = idTag(root.path("responseId").asText(null));
        List<ContentPart> content = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.has("functionCall")) {
                JsonNode fc = part.get("functionCall");
                calls.add(new ToolCall(toolCallId(fc, tag, calls.size(), part.path("thoughtSignature").asText(null)),
                        fc.path("name").asText(), write(fc.has("args") ? fc.get("args") : MAPPER.createObjectNode())));
            } else if (part.path("thought").asBoolean(false)) {
                content.add(new ContentPart.Reasoning(part.path("text").asText(""), part.path("thoughtSignature").asText(null), false));
            } else if (part.has("text")) {
                text.append(part.get("text").asText());
            }
        }
        if (!text.isEmpty()) {
            content.add(new ContentPart.Text(text.toString()));
        }
        FinishReason finish = finishReason(candidate.path("finishReason").asText(null), !calls.isEmpty());
        JsonNode usage = root.get("usageMetadata");
        return new ChatResponse(root.path("responseId").asText("gen-" + tag), root.path("modelVersion").asText(null),
                System.currentTimeMillis() / 1000, content, calls, finish, usage == null ? null : usage(usage), Map.of());
    }

    /** candidates[0], or the in-band reason there is none (a blocked prompt). */
    static JsonNode firstCandidate(JsonNode root) {
        JsonNode candidate = root.path("candidates").path(0);
        if (candidate.isMissingNode()) {
            JsonNode feedback = root.path("promptFeedback");
            String reason = feedback.path("blockReason").asText(null);
            if (reason != null) {
                String detail = feedback.path("blockReasonMessage").asText("");
                throw new UpstreamException(new UpstreamError(ErrorClass.CONTENT_POLICY, 400,
                        "Gemini blocked the prompt (blockReason " + reason + ")" + (detail.isEmpty() ? "" : ": " + detail),
                        "content_policy_violation", "messages", null));
            }
        }
        String reason = candidate.path("finishReason").asText("");
        if (reason.equals("MALFORMED_FUNCTION_CALL") || reason.equals("UNEXPECTED_TOOL_CALL")) {
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Gemini ended the answer with finishReason " + reason
                            + candidate.path("finishMessage").asText("").transform(m -> m.isEmpty() ? "" : ": " + m),
                    null, null, null));
        }
        return candidate;
    }

    static FinishReason finishReason(String reason, boolean toolCalls) {
        if (reason == null) {
            return toolCalls ? FinishReason.TOOL_CALLS : null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                 "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> FinishReason.CONTENT_FILTER;
            default -> toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP; // STOP, OTHER, LANGUAGE, ...
        };
    }

    /**
     * Gemini counts thinking apart from the answer; OpenAI's completion tokens include reasoning,
     * so output = candidates + thoughts and reasoning = thoughts. Tool-use prompt tokens are input.
     */
    static Usage usage(JsonNode u) {
        long thoughts = u.path("thoughtsTokenCount").asLong(0);
        return new Usage(u.path("promptTokenCount").asLong(0) + u.path("toolUsePromptTokenCount").asLong(0),
                u.path("candidatesTokenCount").asLong(0) + thoughts,
                u.path("cachedContentTokenCount").asLong(0), 0, thoughts);
    }

    /**
     * Gemini reports no token counts for embeddings: usage is null (not reported), and the caller's
     * side estimates it (see docs/providers/gemini.md).
     */
    static EmbeddingResponse decodeEmbeddings(Buffer body) {
        JsonNode root = read(body);
        List<float[]> vectors = new ArrayList<>();
        for (JsonNode e : root.path("embeddings")) {
            JsonNode values = e.path("values");
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = values.get(i).floatValue();
            }
            vectors.add(v);
        }
        return new EmbeddingResponse(null, vectors, null);
    }
}

package dev.gatehouse.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseJsonDecoder;

/**
 * {@code streamGenerateContent?alt=sse} to canonical events. Each {@code data:} event is a whole
 * GenerateContentResponse holding the next piece of candidate 0: text parts become text deltas,
 * thought parts reasoning deltas, and each functionCall part (Gemini sends them whole) one
 * ToolCallDelta with the complete arguments. The chunk with a finishReason carries the final
 * usageMetadata. The stream has no terminator event: it is complete when a finishReason was seen.
 */
final class GeminiStreamDecoder extends SseJsonDecoder {
    private boolean started;
    private String tag;
    private int calls;
    private FinishReason finish;
    private Usage usage;
    private boolean usageSent;
    /** The caller asked for no parallel tool calls: calls after the first are not passed on. */
    private final boolean firstCallOnly;

    GeminiStreamDecoder(boolean firstCallOnly) {
        super(GeminiWireCodec.MAPPER, "Gemini sent a stream chunk that is not valid JSON: ");
        this.firstCallOnly = firstCallOnly;
    }

    @Override
    protected boolean ended() {
        if (finish != null && usage != null && !usageSent) {
            usageSent = true;
            out.accept(new StreamEvent.UsageReport(usage));
        }
        return finish != null;
    }

    @Override
    protected void onObject(SseEvent event, JsonNode root) {
        JsonNode error = root.get("error");
        if (error != null && error.isObject()) {
            throw new UpstreamException(GeminiWireCodec.classifyError(0, error, null));
        }
        JsonNode candidate = GeminiResponseDecoder.firstCandidate(root); // throws on a blocked prompt
        if (!started) {
            started = true;
            String responseId = root.path("responseId").asText(null);
            tag = GeminiToolCallIds.idTag(responseId);
            out.accept(new StreamEvent.Start(responseId == null ? "gen-" + tag : responseId,
                    root.path("modelVersion").asText(null), System.currentTimeMillis() / 1000));
        }
        for (JsonNode part : candidate.path("content").path("parts")) {
            JsonNode fc = part.get("functionCall");
            if (fc != null) {
                if (firstCallOnly && calls > 0) {
                    continue;
                }
                String id = GeminiToolCallIds.toolCallId(fc, tag, calls, part.path("thoughtSignature").asText(null));
                String args = GeminiWireCodec.write(fc.has("args") ? fc.get("args") : GeminiWireCodec.MAPPER.createObjectNode());
                out.accept(new StreamEvent.ToolCallDelta(calls++, id, fc.path("name").asText(), args));
            } else if (part.path("thought").asBoolean(false)) {
                String text = part.path("text").asText("");
                String signature = part.path("thoughtSignature").asText(null);
                if (!text.isEmpty() || signature != null) {
                    out.accept(new StreamEvent.ReasoningDelta(text, signature));
                }
            } else {
                String text = part.path("text").asText("");
                if (!text.isEmpty()) {
                    out.accept(new StreamEvent.TextDelta(text));
                }
            }
        }
        JsonNode u = root.get("usageMetadata");
        if (u != null && u.isObject()) {
            usage = GeminiResponseDecoder.usage(u); // cumulative: the last one counts
        }
        String reason = candidate.path("finishReason").asText(null);
        if (reason != null && finish == null) {
            finish = GeminiResponseDecoder.finishReason(reason, calls > 0);
            out.accept(new StreamEvent.Finish(finish));
            if (usage != null) {
                usageSent = true;
                out.accept(new StreamEvent.UsageReport(usage));
            }
        }
    }
}

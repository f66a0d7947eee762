package dev.gatehouse.dialect.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.FinishReason;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseJsonDecoder;

/**
 * Cohere v2 chat stream events to canonical ones: {@code message-start} → Start,
 * {@code content-delta} → text, {@code tool-call-start} → a call's id and name (and any first
 * arguments), {@code tool-call-delta} → argument fragments, {@code message-end} → finish and
 * usage. {@code tool-plan-delta}, {@code content-start/end}, {@code tool-call-end} and
 * {@code citation-*} carry nothing the caller's stream has a place for. Complete once message-end arrived.
 */
final class CohereStreamDecoder extends SseJsonDecoder {
    private boolean started;
    private FinishReason finish;
    private int calls;

    CohereStreamDecoder() {
        super(CohereWireCodec.MAPPER, "Cohere sent a stream event that is not valid JSON: ");
    }

    @Override
    protected boolean ended() {
        return finish != null;
    }

    @Override
    protected void onObject(SseEvent event, JsonNode root) {
        String type = root.path("type").asText("");
        JsonNode message = root.path("delta").path("message");
        switch (type) {
            case "message-start" -> {
                started = true;
                out.accept(new StreamEvent.Start(root.path("id").asText(null), null, System.currentTimeMillis() / 1000));
            }
            case "content-delta" -> {
                start();
                out.accept(new StreamEvent.TextDelta(message.path("content").path("text").asText("")));
            }
            case "tool-call-start" -> {
                start();
                JsonNode call = message.path("tool_calls");
                String args = call.path("function").path("arguments").asText("");
                out.accept(new StreamEvent.ToolCallDelta(calls++, call.path("id").asText(),
                        call.path("function").path("name").asText(), args));
            }
            case "tool-call-delta" -> {
                if (calls == 0) {
                    throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR,
                            "Cohere sent tool-call-delta before tool-call-start"));
                }
                out.accept(new StreamEvent.ToolCallDelta(calls - 1, null, null,
                        message.path("tool_calls").path("function").path("arguments").asText("")));
            }
            case "message-end" -> {
                start();
                JsonNode delta = root.path("delta");
                if (delta.has("error") && !delta.path("error").asText("").isEmpty()) {
                    throw new UpstreamException(UpstreamError.of(ErrorClass.UPSTREAM_ERROR, "Cohere: " + delta.path("error").asText()));
                }
                finish = CohereResponseDecoder.finishReason(delta.path("finish_reason").asText(""));
                out.accept(new StreamEvent.Finish(finish));
                Usage usage = CohereResponseDecoder.usage(delta.path("usage"));
                if (usage != null) {
                    out.accept(new StreamEvent.UsageReport(usage));
                }
            }
            default -> { }
        }
    }

    private void start() {
        if (!started) {
            started = true;
            out.accept(new StreamEvent.Start(null, null, System.currentTimeMillis() / 1000));
        }
    }
}

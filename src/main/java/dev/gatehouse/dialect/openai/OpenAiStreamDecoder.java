package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.dialect.openai.OpenAiFinishReasons;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseJsonDecoder;

/**
 * OpenAI {@code chat.completion.chunk} SSE stream to canonical events: Start on the first chunk,
 * then text and tool-call deltas, Finish when a finish_reason arrives, UsageReport for a usage
 * object, {@code [DONE]} as the terminator. Only choice 0 is followed.
 */
public final class OpenAiStreamDecoder extends SseJsonDecoder {
    private boolean started;
    private boolean done;

    public OpenAiStreamDecoder() {
        super(OpenAiJson.MAPPER, "Upstream sent a stream chunk that is not valid JSON: ");
    }

    @Override
    protected boolean ended() {
        return done;
    }

    @Override
    protected boolean control(String data) {
        if (data.equals("[DONE]")) {
            done = true;
            return true;
        }
        return false;
    }

    @Override
    protected void onObject(SseEvent event, JsonNode root) {
        JsonNode error = root.get("error");
        if (error != null && !error.isNull()) {
            throw new UpstreamException(OpenAiWireCodec.classifyInBand(error));
        }
        if (!started) {
            started = true;
            out.accept(new StreamEvent.Start(root.path("id").asText(null), root.path("model").asText(null),
                    root.path("created").asLong(0)));
        }
        JsonNode choices = root.get("choices");
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                if (choice.path("index").asInt(0) != 0) {
                    continue;
                }
                JsonNode delta = choice.get("delta");
                if (delta != null && delta.isObject()) {
                    text(delta.get("content"));
                    text(delta.get("refusal")); // a refusal is shown to the user like text
                    JsonNode calls = delta.get("tool_calls");
                    if (calls != null && calls.isArray()) {
                        for (JsonNode call : calls) {
                            JsonNode fn = call.path("function");
                            out.accept(new StreamEvent.ToolCallDelta(call.path("index").asInt(0),
                                    call.path("id").asText(null), fn.path("name").asText(null),
                                    fn.path("arguments").asText("")));
                        }
                    }
                }
                JsonNode fr = choice.get("finish_reason");
                if (fr != null && fr.isTextual()) {
                    out.accept(new StreamEvent.Finish(OpenAiFinishReasons.parse(fr.textValue())));
                }
            }
        }
        JsonNode usage = root.get("usage");
        if (usage != null && usage.isObject()) {
            out.accept(new StreamEvent.UsageReport(OpenAiFinishReasons.usage(usage)));
        }
    }

    private void text(JsonNode node) {
        if (node != null && node.isTextual() && !node.textValue().isEmpty()) {
            out.accept(new StreamEvent.TextDelta(node.textValue()));
        }
    }
}

package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.dialect.openai.OpenAiFinishReasons;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.canonical.StreamEvent;
import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.StreamDecoder;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * OpenAI {@code chat.completion.chunk} SSE stream to canonical events: Start on the first chunk,
 * then text and tool-call deltas, Finish when a finish_reason arrives, UsageReport for a usage
 * object, {@code [DONE]} as the terminator. Only choice 0 is followed.
 */
public final class OpenAiStreamDecoder implements StreamDecoder {
    private final SseParser sse = new SseParser();
    private boolean started;
    private boolean done;
    private Consumer<StreamEvent> out;
    private final Consumer<SseEvent> onEvent = this::onEvent;

    @Override
    public void feed(Buffer chunk, Consumer<StreamEvent> out) {
        this.out = out;
        sse.feed(chunk, onEvent);
    }

    @Override
    public boolean end(Consumer<StreamEvent> out) {
        this.out = out;
        sse.end(onEvent);
        return done;
    }

    private void onEvent(SseEvent event) {
        String data = event.data();
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        if (data.isBlank()) {
            return;
        }
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(data);
        } catch (IOException e) {
            throw new UpstreamException(new UpstreamError(ErrorClass.UPSTREAM_ERROR, 200,
                    "Upstream sent a stream chunk that is not valid JSON: " + OpenAiWireCodec.truncate(data), null, null, null));
        }
        if (root == null || !root.isObject()) {
            return;
        }
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

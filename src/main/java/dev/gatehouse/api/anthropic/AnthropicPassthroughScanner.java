package dev.gatehouse.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.anthropic.AnthropicFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.provider.sse.SseEvent;
import dev.gatehouse.provider.sse.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Watches an Anthropic stream that passes through untouched: only {@code message_start},
 * {@code message_delta}, {@code message_stop} and {@code error} events are parsed (for usage, the
 * stop reason, the terminator and in-band errors); content deltas are recognised by their event
 * name and never parsed.
 */
final class AnthropicPassthroughScanner {
    private final SseParser sse = new SseParser();
    private final Consumer<SseEvent> onEvent = this::onEvent;
    private final ObjectNode usage = OpenAiJson.MAPPER.createObjectNode();
    private boolean sawUsage;
    private String stopReason;
    private boolean stopped;
    private JsonNode error;

    void feed(Buffer chunk) {
        sse.feed(chunk, onEvent);
    }

    void end() {
        sse.end(onEvent);
    }

    private void onEvent(SseEvent event) {
        String name = event.event();
        if (!name.equals("message_start") && !name.equals("message_delta") && !name.equals("message_stop")
                && !name.equals("error") && !name.equals("message")) {
            return; // content_block_* and ping: the hot path does not parse them
        }
        JsonNode root;
        try {
            root = OpenAiJson.MAPPER.readTree(event.data());
        } catch (IOException e) {
            return; // the caller's SDK will see the same bytes; accounting just misses them
        }
        if (root == null) {
            return;
        }
        switch (root.path("type").asText("")) {
            case "message_start" -> merge(root.path("message").get("usage"));
            case "message_delta" -> {
                merge(root.get("usage"));
                String stop = root.path("delta").path("stop_reason").asText(null);
                if (stop != null) {
                    stopReason = stop;
                }
            }
            case "message_stop" -> stopped = true;
            case "error" -> error = root.path("error");
            default -> { }
        }
    }

    private void merge(JsonNode u) {
        if (u != null && u.isObject()) {
            sawUsage = true;
            u.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    usage.set(e.getKey(), e.getValue());
                }
            });
        }
    }

    Usage usage() {
        return sawUsage ? AnthropicFormat.usage(usage) : null;
    }

    String stopReason() {
        return stopReason;
    }

    boolean stopped() {
        return stopped;
    }

    JsonNode error() {
        return error;
    }
}

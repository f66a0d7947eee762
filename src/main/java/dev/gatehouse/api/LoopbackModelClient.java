package dev.gatehouse.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.guardrails.ModelClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * A guardrail's model call through this gateway's own {@code POST /v1/chat/completions}, as the
 * caller whose headers are given, so the call is routed, limited, budgeted and logged like the
 * caller's others. The guardrail bounds the wait with its own timeout; this only reads the answer.
 */
public final class LoopbackModelClient implements ModelClient {
    /** A stalled connection is let go after this long even when no guardrail waits for it any more. */
    private static final long IDLE_TIMEOUT_MILLIS = 30_000;
    private final Loopback loopback;

    public LoopbackModelClient(Loopback loopback) {
        this.loopback = loopback;
    }

    @Override
    public Future<String> chat(Buffer body, MultiMap callerHeaders) {
        return loopback.post("/v1/chat/completions", Loopback.credentials(callerHeaders), body, IDLE_TIMEOUT_MILLIS)
                .map(answer -> text(answer.status(), answer.body()));
    }

    /** The first choice's text; never quotes the answer (it may repeat the judged text). */
    private static String text(int status, Buffer body) {
        if (status != 200) {
            throw new IllegalStateException("its model answered HTTP " + status);
        }
        JsonNode content;
        try {
            content = OpenAiJson.MAPPER.readTree(body.getBytes()).path("choices").path(0).path("message").path("content");
        } catch (IOException e) {
            throw new IllegalStateException("its model's answer is not JSON");
        }
        if (!content.isTextual()) {
            throw new IllegalStateException("its model's answer has no text");
        }
        return content.asText();
    }
}

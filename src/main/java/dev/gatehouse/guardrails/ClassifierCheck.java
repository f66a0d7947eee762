package dev.gatehouse.guardrails;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.InjectionClassification;
import dev.gatehouse.config.GuardrailConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A prompt-injection classifier: a model of this gateway (named in {@code model}) is asked, as the
 * caller, to rate the texts; at or above {@code threshold} the guardrail acts. The request is an
 * ordinary chat completion with a fixed system prompt ({@link InjectionClassification}), so any
 * chat model can serve, and the built-in mock provider answers it deterministically.
 */
final class ClassifierCheck implements RemoteCheck {
    private static final JsonFactory JSON = new JsonFactory();
    static final String KIND = "PROMPT_INJECTION";

    private final RemoteChecks http;
    private final GuardrailConfig config;

    ClassifierCheck(RemoteChecks http, GuardrailConfig config) {
        this.http = http;
        this.config = config;
    }

    @Override
    public Future<Verdict> check(List<String> texts, String stage, Scope scope, String requestId) {
        ModelClient client = http.models();
        if (client == null) {
            return Future.failedFuture(new IllegalStateException("no model client is available"));
        }
        Buffer body = body(texts);
        return http.within(client.chat(body, scope.headers()), config.timeout()).map(answer -> {
            double score;
            try {
                score = InjectionClassification.score(answer);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage());
            }
            if (score < config.settings().threshold()) {
                return new Verdict("allow", null, null, List.of());
            }
            return new Verdict(config.action(), "the classifier model rated it a prompt injection (score "
                    + String.format(Locale.ROOT, "%.2f", score) + ")", null, List.of(KIND));
        });
    }

    private Buffer body(List<String> texts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", config.settings().model());
            g.writeNumberField("temperature", 0);
            g.writeNumberField("max_tokens", 20);
            g.writeArrayFieldStart("messages");
            g.writeStartObject();
            g.writeStringField("role", "system");
            g.writeStringField("content", InjectionClassification.SYSTEM_PROMPT);
            g.writeEndObject();
            g.writeStartObject();
            g.writeStringField("role", "user");
            g.writeStringField("content", String.join("\n\n", texts));
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }
}

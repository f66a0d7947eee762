package dev.gatehouse.guardrails;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.config.GuardrailConfig;
import dev.gatehouse.config.ProviderConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A moderation model ({@code POST /moderations} of an OpenAI-format provider) judging the texts:
 * the guardrail acts when any category's score reaches its threshold (per category, {@code "*"}
 * for the rest). The provider is one of the configured ones, with its base URL and key.
 */
final class ModerationCheck implements RemoteCheck {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final RemoteChecks http;
    private final GuardrailConfig config;
    private final ProviderConfig provider;

    ModerationCheck(RemoteChecks http, GuardrailConfig config, ProviderConfig provider) {
        this.http = http;
        this.config = config;
        this.provider = provider;
    }

    @Override
    public Future<Verdict> check(List<String> texts, String stage, Scope scope, String requestId) {
        if (provider == null || provider.baseUrl() == null) {
            return Future.failedFuture(new IllegalStateException("its moderation provider has no base URL"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", config.settings().model());
            g.writeArrayFieldStart("input");
            for (String t : texts) {
                g.writeString(t);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("content-type", "application/json");
        if (provider.apiKey() != null && !provider.apiKey().isEmpty()) {
            headers.set("authorization", "Bearer " + provider.apiKey());
        }
        provider.headers().forEach(headers::set);
        String url = provider.baseUrl().replaceAll("/+$", "") + "/moderations";
        return http.post(url, headers, Buffer.buffer(out.toByteArray()), config.timeout(), null).map(this::verdict);
    }

    Verdict verdict(Buffer answer) {
        JsonNode root;
        try {
            root = MAPPER.readTree(answer.getBytes());
        } catch (IOException e) {
            throw new IllegalStateException("its answer is not JSON");
        }
        JsonNode results = root == null ? null : root.get("results");
        if (results == null || !results.isArray()) {
            throw new IllegalStateException("its answer has no results");
        }
        Map<String, Double> thresholds = config.settings().categories();
        Double other = thresholds.get("*");
        List<String> over = new ArrayList<>();
        for (JsonNode result : results) {
            JsonNode scores = result.path("category_scores");
            Iterator<Map.Entry<String, JsonNode>> fields = scores.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                Double limit = thresholds.getOrDefault(f.getKey(), other);
                if (limit != null && f.getValue().isNumber() && f.getValue().asDouble() >= limit && !over.contains(f.getKey())) {
                    over.add(f.getKey());
                }
            }
        }
        if (over.isEmpty()) {
            return new Verdict("allow", null, null, List.of());
        }
        String action = config.action().equals("mask") ? "block" : config.action();
        return new Verdict(action, "the moderation model rated it " + String.join(", ", over), null, over);
    }
}

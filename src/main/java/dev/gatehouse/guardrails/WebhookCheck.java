package dev.gatehouse.guardrails;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.config.GuardrailConfig;
import dev.gatehouse.provider.http.OutboundGuard;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A guardrail decided by the operator's own service. The gateway POSTs
 * {@code {"guardrail","stage","request_id","team","key","model","texts":[...]}} with
 * {@code x-gatehouse-timestamp} (Unix seconds) and {@code x-gatehouse-signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the guardrail's secret>}, so the service
 * can reject forged and replayed calls; it answers {@code {"action":"allow|block|mask|flag",
 * "reason":"...","replacement":[...]}} within the guardrail's timeout. Anything else (late, 5xx,
 * not that JSON) is an error, handled by {@code on-error}.
 */
final class WebhookCheck implements RemoteCheck {
    static final String TIMESTAMP_HEADER = "x-gatehouse-timestamp";
    static final String SIGNATURE_HEADER = "x-gatehouse-signature";
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> ACTIONS = Set.of("allow", "block", "mask", "flag");

    private final RemoteChecks http;
    private final GuardrailConfig config;
    private final OutboundGuard guard;

    WebhookCheck(RemoteChecks http, GuardrailConfig config, OutboundGuard guard) {
        this.http = http;
        this.config = config;
        this.guard = guard;
    }

    @Override
    public Future<Verdict> check(List<String> texts, String stage, Scope scope, String requestId) {
        Buffer body = body(texts, stage, scope, requestId);
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .set("content-type", "application/json")
                .set(TIMESTAMP_HEADER, timestamp)
                .set(SIGNATURE_HEADER, "sha256=" + sign(config.settings().secret(), timestamp, body));
        return http.post(config.settings().url(), headers, body, config.timeout(), guard).map(WebhookCheck::verdict);
    }

    /** The signature a webhook recomputes: hex HMAC-SHA256 of {@code timestamp + "." + body}. */
    static String sign(String secret, String timestamp, Buffer body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private Buffer body(List<String> texts, String stage, Scope scope, String requestId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("guardrail", config.name());
            g.writeStringField("stage", stage);
            g.writeStringField("request_id", requestId);
            g.writeStringField("team", scope.teamId());
            g.writeStringField("key", scope.keyId());
            g.writeStringField("model", scope.model());
            g.writeArrayFieldStart("texts");
            for (String t : texts) {
                g.writeString(t);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    /** The service's verdict; throws (an error verdict) on anything but the documented shape. */
    static Verdict verdict(Buffer answer) {
        JsonNode root;
        try {
            root = MAPPER.readTree(answer.getBytes());
        } catch (IOException e) {
            throw new IllegalStateException("its answer is not JSON");
        }
        if (root == null || !root.isObject() || !root.path("action").isTextual() || !ACTIONS.contains(root.path("action").asText())) {
            throw new IllegalStateException("its answer has no action (allow, block, mask or flag)");
        }
        String action = root.get("action").asText();
        JsonNode r = root.path("replacement");
        List<String> replacement = null;
        if (r.isTextual()) {
            replacement = List.of(r.asText());
        } else if (r.isArray()) {
            replacement = new ArrayList<>();
            for (JsonNode n : r) {
                replacement.add(n.isTextual() ? n.asText() : null);
            }
        }
        if (action.equals("mask") && replacement == null) {
            throw new IllegalStateException("its answer masks without a replacement");
        }
        String reason = root.path("reason").isTextual() ? root.get("reason").asText() : null;
        if (reason != null && reason.length() > 300) {
            reason = reason.substring(0, 300) + "…";
        }
        return new Verdict(action, reason, replacement, List.of("WEBHOOK"));
    }
}

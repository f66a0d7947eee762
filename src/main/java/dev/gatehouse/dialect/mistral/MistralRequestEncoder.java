package dev.gatehouse.dialect.mistral;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The canonical request in Mistral's chat format: OpenAI's, written by the OpenAI encoder, then
 * changed where Mistral differs:
 * <ul>
 *   <li>{@code max_completion_tokens} → {@code max_tokens}, {@code seed} → {@code random_seed};</li>
 *   <li>tool call ids must be 9 characters of [a-zA-Z0-9]: ids from another provider (an OpenAI
 *       {@code call_...}, an Anthropic {@code toolu_...}) in the conversation are replaced by a
 *       9-character digest, the same for the call and its result, so the pairing holds;</li>
 *   <li>{@code tool_choice: required} → {@code any};</li>
 *   <li>OpenAI-only fields Mistral refuses ({@code stream_options}, {@code user}, {@code store},
 *       {@code metadata}, {@code service_tier}) are left out; Mistral always reports usage;</li>
 *   <li>{@code safe_prompt} (Mistral's own) is passed on as the caller sent it.</li>
 * </ul>
 */
final class MistralRequestEncoder {
    private static final Pattern MISTRAL_ID = Pattern.compile("[a-zA-Z0-9]{9}");
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Set<String> DROPPED = Set.of("stream_options", "user", "store", "metadata", "service_tier");
    private static final Set<String> REFUSED = Set.of("logprobs", "top_logprobs", "logit_bias", "audio", "modalities");

    private MistralRequestEncoder() {}

    static Buffer encodeChat(WireCodec openAi, ChatRequest request) {
        ObjectNode root;
        try {
            root = (ObjectNode) MistralWireCodec.MAPPER.readTree(openAi.encodeChat(request).getBytes());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (String field : REFUSED) {
            JsonNode v = root.get(field);
            if (v != null && !v.isNull() && !(v.isBoolean() && !v.booleanValue())) {
                throw new GatewayException(ErrorType.INVALID_REQUEST, "Mistral model '" + request.model()
                        + "' does not support '" + field + "'; remove it or use another model.", field, "unsupported_parameter");
            }
            root.remove(field);
        }
        DROPPED.forEach(root::remove);
        JsonNode max = root.remove("max_completion_tokens");
        if (max != null) {
            root.set("max_tokens", max);
        }
        JsonNode seed = root.remove("seed");
        if (seed != null) {
            root.set("random_seed", seed);
        }
        if ("required".equals(root.path("tool_choice").asText(null))) {
            root.put("tool_choice", "any");
        }
        for (JsonNode message : root.path("messages")) {
            for (JsonNode call : message.path("tool_calls")) {
                ((ObjectNode) call).put("id", toolCallId(call.path("id").asText("")));
            }
            if (message.has("tool_call_id")) {
                ((ObjectNode) message).put("tool_call_id", toolCallId(message.path("tool_call_id").asText("")));
            }
        }
        return Buffer.buffer(MistralWireCodec.write(root));
    }

    /** A Mistral id stays; any other id becomes 9 base-62 characters of its SHA-256 (stable, so call and result match). */
    static String toolCallId(String id) {
        if (MISTRAL_ID.matcher(id).matches()) {
            return id;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder(9);
            for (int i = 0; i < 9; i++) {
                out.append(ALPHABET.charAt((digest[i] & 0xff) % ALPHABET.length()));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

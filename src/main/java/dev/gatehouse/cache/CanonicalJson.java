package dev.gatehouse.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feeds a JSON tree to a digest in one canonical form, so that requests that are equal as JSON give
 * equal keys however they were written: object keys sorted, whitespace gone, numbers compared by
 * value ({@code 1}, {@code 1.0} and {@code 1e0} are one number; {@code 0.7} and {@code 0.70} too),
 * strings byte for byte (no Unicode normalisation: a different string may mean a different answer).
 *
 * <p>The form is a tagged, length-prefixed encoding rather than JSON text: it is injective (two
 * different trees never give the same byte sequence), so only a SHA-256 collision could make two
 * different requests share a key.
 */
public final class CanonicalJson {
    /** Numbers as exact decimals: a double would make 0.1000000000000000001 and 0.1 one temperature. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    private CanonicalJson() {}

    /** The body as a tree (the buffer's backing array when it has one: no copy). */
    public static JsonNode parse(Buffer body) throws IOException {
        if (body instanceof BufferInternal internal && internal.unwrap().hasArray()) {
            ByteBuf buf = internal.unwrap();
            return MAPPER.readTree(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
        }
        return MAPPER.readTree(body.getBytes());
    }

    /** Feeds {@code node} to {@code digest} in canonical form. */
    public static void digest(JsonNode node, MessageDigest digest) {
        digest(node, Set.of(), digest);
    }

    /** Like {@link #digest(JsonNode, MessageDigest)}, leaving out the top-level fields {@code skipped} (no copy of the tree). */
    public static void digest(JsonNode node, Set<String> skipped, MessageDigest digest) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!skipped.contains(field.getKey())) {
                        fields.add(field);
                    }
                }
                fields.sort(Map.Entry.comparingByKey());
                tag(digest, 'o', fields.size());
                for (Map.Entry<String, JsonNode> field : fields) {
                    text(digest, field.getKey());
                    digest(field.getValue(), digest);
                }
            }
            case ARRAY -> {
                tag(digest, 'a', node.size());
                for (JsonNode item : node) {
                    digest(item, digest);
                }
            }
            case STRING -> {
                digest.update((byte) 's');
                text(digest, node.textValue());
            }
            case NUMBER -> {
                digest.update((byte) 'n');
                text(digest, number(node.decimalValue()));
            }
            case BOOLEAN -> digest.update((byte) (node.booleanValue() ? 't' : 'f'));
            default -> digest.update((byte) 'z'); // null (and, never in parsed JSON, missing or binary)
        }
    }

    /**
     * A number by value: unscaled digits and exponent of the decimal with trailing zeros stripped.
     * Never {@code toPlainString}: {@code 1e999999999} would expand to a billion digits.
     */
    static String number(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.unscaledValue().toString() + 'e' + (-stripped.scale());
    }

    static void text(MessageDigest digest, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        length(digest, bytes.length);
        digest.update(bytes);
    }

    private static void tag(MessageDigest digest, char tag, int count) {
        digest.update((byte) tag);
        length(digest, count);
    }

    private static void length(MessageDigest digest, int n) {
        digest.update((byte) (n >>> 24));
        digest.update((byte) (n >>> 16));
        digest.update((byte) (n >>> 8));
        digest.update((byte) n);
    }
}

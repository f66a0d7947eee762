package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Mutation fuzzing from valid seed inputs: structure-aware JSON mutations (type swaps, hostile
 * values, removed, duplicated and deeply nested members) followed by a few byte-level ones (flips,
 * insertions, deletions, truncation, repetition, unicode edge cases). Deterministic for a given
 * {@link Random}, so a case seed replays the same input.
 */
public final class Mutator {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Raw JSON fragments that parsers tend to get wrong. */
    static final String[] HOSTILE_JSON = {
        "null", "true", "false", "0", "-0", "-1", "1e400", "-1e400", "1E-400", "0.0000001", "2147483648", "-2147483649",
        "9223372036854775808", "99999999999999999999999999999999", "1.5", "NaN", "\"\"", "\" \"", "\"\\u0000\"",
        "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\uDBFF\\uDFFF\"", "\"\\u202e\"", "\"\ufeff\"", "[]", "[null]", "{}",
        "{\"\":null}", "[[[[[[[[[[[[]]]]]]]]]]]]", "\"a\\\"b\"", "\"\\\\\"", "\"%s%n\"", "\"../../etc/passwd\"",
        "\"data:image/png;base64,AAAA\"", "\"http://169.254.169.254/\"", "{\"type\":\"text\"}", "[{\"type\":null}]",
        "{\"role\":\"user\"}", "{\"type\":\"image\",\"source\":{}}", "{\"type\":\"tool_use\"}"};

    /** Raw byte sequences: BOM, NUL, overlong and truncated UTF-8, lone surrogates, stray structure. */
    static final byte[][] HOSTILE_BYTES = {
        {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {0}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
        {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF},
        {(byte) 0xFE, (byte) 0xFF}, {(byte) 0xC3}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        bytes("\\ud800"), bytes("\\u"), bytes("\\"), bytes("\""), bytes(","), bytes(":"), bytes("{"), bytes("}"), bytes("["),
        bytes("]"), bytes("\r\n"), bytes("/*"), bytes("//"), bytes("'"), bytes("1e400"), bytes("-0"), bytes("null")};

    private static final String[] KEYS = {"model", "messages", "stream", "max_tokens", "max_completion_tokens", "n",
        "temperature", "tools", "tool_choice", "content", "role", "type", "input", "system", "stream_options", "include_usage",
        "encoding_format", "dimensions", "response_format", "text", "image_url", "source", "name", "arguments", "tool_calls"};

    private Mutator() {}

    /** 1-4 mutations, structure-aware first when the input is JSON. */
    public static byte[] mutate(byte[] seed, Random r) {
        byte[] out = seed;
        if (r.nextInt(3) != 0) {
            out = mutateJson(out, r);
        }
        int byteOps = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(3);
        for (int i = 0; i < byteOps; i++) {
            out = mutateBytes(out, r);
        }
        return out;
    }

    public static String mutate(String seed, Random r) {
        return new String(mutate(seed.getBytes(StandardCharsets.UTF_8), r), StandardCharsets.UTF_8);
    }

    /** One byte-level mutation. */
    public static byte[] mutateBytes(byte[] in, Random r) {
        int n = in.length;
        int at = n == 0 ? 0 : r.nextInt(n + 1);
        switch (r.nextInt(9)) {
            case 0 -> { // flip bits in one byte
                if (n == 0) {
                    return in;
                }
                byte[] out = in.clone();
                int i = r.nextInt(n);
                out[i] = (byte) (out[i] ^ (1 << r.nextInt(8)));
                return out;
            }
            case 1 -> { // random byte
                return splice(in, at, at, new byte[] {(byte) r.nextInt(256)});
            }
            case 2 -> { // delete a range
                int len = Math.min(n - Math.min(at, n), 1 + r.nextInt(16));
                return splice(in, Math.min(at, n), Math.min(at, n) + len, new byte[0]);
            }
            case 3 -> { // truncate
                return java.util.Arrays.copyOf(in, n == 0 ? 0 : r.nextInt(n));
            }
            case 4, 5 -> { // hostile bytes
                return splice(in, at, at, HOSTILE_BYTES[r.nextInt(HOSTILE_BYTES.length)]);
            }
            case 6 -> { // repeat a range many times
                if (n == 0) {
                    return in;
                }
                int start = r.nextInt(n);
                int len = Math.min(n - start, 1 + r.nextInt(32));
                int times = 2 + r.nextInt(r.nextBoolean() ? 8 : 4000);
                ByteArrayOutputStream rep = new ByteArrayOutputStream();
                for (int i = 0; i < times; i++) {
                    rep.write(in, start, len);
                }
                return splice(in, start, start, rep.toByteArray());
            }
            case 7 -> { // replace a range with a hostile JSON fragment
                int len = Math.min(n - Math.min(at, n), r.nextInt(12));
                return splice(in, Math.min(at, n), Math.min(at, n) + len, bytes(HOSTILE_JSON[r.nextInt(HOSTILE_JSON.length)]));
            }
            default -> { // swap two bytes
                if (n < 2) {
                    return in;
                }
                byte[] out = in.clone();
                int i = r.nextInt(n);
                int j = r.nextInt(n);
                byte t = out[i];
                out[i] = out[j];
                out[j] = t;
                return out;
            }
        }
    }

    /** One structure-aware mutation; the input unchanged when it is not a JSON object or array. */
    public static byte[] mutateJson(byte[] in, Random r) {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (Exception e) {
            return in;
        }
        if (!(root instanceof ContainerNode<?>)) {
            return in;
        }
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(r.nextInt(containers.size()));
        String raw = null; // a mutation that cannot be written as a tree (duplicate keys, huge numbers) splices text
        switch (r.nextInt(8)) {
            case 0, 1 -> replaceChild(target, r, hostileNode(r));
            case 2 -> removeChild(target, r);
            case 3 -> { // type swap of a child: string<->number<->object<->array<->null
                replaceChild(target, r, switch (r.nextInt(6)) {
                    case 0 -> F.textNode("x");
                    case 1 -> F.numberNode(r.nextInt());
                    case 2 -> F.objectNode();
                    case 3 -> F.arrayNode().add("x");
                    case 4 -> F.nullNode();
                    default -> F.booleanNode(r.nextBoolean());
                });
            }
            case 4 -> { // deep nesting
                int depth = r.nextBoolean() ? 50 + r.nextInt(100) : 1000 + r.nextInt(5000);
                raw = "[".repeat(depth) + "]".repeat(depth);
            }
            case 5 -> { // many copies of an array's elements (thousands of messages)
                if (target instanceof ArrayNode a && !a.isEmpty()) {
                    JsonNode first = a.get(0);
                    int copies = r.nextBoolean() ? 10 + r.nextInt(100) : 1000 + r.nextInt(9000);
                    for (int i = 0; i < copies; i++) {
                        a.add(first.deepCopy());
                    }
                } else if (target instanceof ObjectNode o) {
                    o.put(KEYS[r.nextInt(KEYS.length)], "y".repeat(r.nextBoolean() ? 100 : 200_000 + r.nextInt(300_000)));
                }
            }
            case 6 -> { // add a member with a well-known key and a hostile value
                if (target instanceof ObjectNode o) {
                    o.set(KEYS[r.nextInt(KEYS.length)], hostileNode(r));
                } else if (target instanceof ArrayNode a) {
                    a.add(hostileNode(r));
                }
            }
            default -> raw = HOSTILE_JSON[r.nextInt(HOSTILE_JSON.length)];
        }
        String text = root.toString();
        if (raw != null) {
            // Put the raw fragment in as a value of a (possibly duplicated) well-known key.
            int brace = text.indexOf('{');
            if (brace >= 0 && r.nextBoolean()) {
                String key = KEYS[r.nextInt(KEYS.length)];
                return bytes(text.substring(0, brace + 1) + "\"" + key + "\":" + raw + "," + text.substring(brace + 1));
            }
            int at = r.nextInt(text.length() + 1);
            return bytes(text.substring(0, at) + raw + text.substring(at));
        }
        if (r.nextInt(6) == 0) {
            return duplicateKey(text, r);
        }
        return bytes(text);
    }

    /** Repeats one {@code "key":} with a different value right after the opening brace of its object. */
    static byte[] duplicateKey(String text, Random r) {
        String key = KEYS[r.nextInt(KEYS.length)];
        int at = text.indexOf("{\"" + key + "\"");
        int brace = at >= 0 ? at : text.indexOf('{');
        if (brace < 0) {
            return bytes(text);
        }
        return bytes(text.substring(0, brace + 1) + "\"" + key + "\":" + HOSTILE_JSON[r.nextInt(HOSTILE_JSON.length)] + ","
                + text.substring(brace + 1));
    }

    private static JsonNode hostileNode(Random r) {
        try {
            return MAPPER.readTree(HOSTILE_JSON[r.nextInt(HOSTILE_JSON.length)]);
        } catch (Exception e) {
            return F.textNode("\ud800");
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node instanceof ContainerNode<?>) {
            out.add(node);
            for (JsonNode child : node) {
                collect(child, out);
            }
        }
    }

    private static void replaceChild(JsonNode target, Random r, JsonNode value) {
        if (target instanceof ObjectNode o && !o.isEmpty()) {
            o.set(nthName(o, r.nextInt(o.size())), value);
        } else if (target instanceof ArrayNode a && !a.isEmpty()) {
            a.set(r.nextInt(a.size()), value);
        }
    }

    private static void removeChild(JsonNode target, Random r) {
        if (target instanceof ObjectNode o && !o.isEmpty()) {
            o.remove(nthName(o, r.nextInt(o.size())));
        } else if (target instanceof ArrayNode a && !a.isEmpty()) {
            a.remove(r.nextInt(a.size()));
        }
    }

    private static String nthName(ObjectNode o, int n) {
        Iterator<Map.Entry<String, JsonNode>> it = o.properties().iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next().getKey();
    }

    static byte[] splice(byte[] in, int start, int end, byte[] with) {
        byte[] out = new byte[in.length - (end - start) + with.length];
        System.arraycopy(in, 0, out, 0, start);
        System.arraycopy(with, 0, out, start, with.length);
        System.arraycopy(in, end, out, start + with.length, in.length - end);
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Splits {@code bytes} at random boundaries (1 to 64 bytes, sometimes a single byte at a time). */
    public static List<byte[]> chunks(byte[] bytes, Random r) {
        List<byte[]> out = new ArrayList<>();
        boolean tiny = r.nextInt(5) == 0;
        int i = 0;
        while (i < bytes.length) {
            int len = Math.min(bytes.length - i, tiny ? 1 : 1 + r.nextInt(64));
            out.add(java.util.Arrays.copyOfRange(bytes, i, i + len));
            i += len;
        }
        return out;
    }
}

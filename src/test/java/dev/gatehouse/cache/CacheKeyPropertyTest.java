package dev.gatehouse.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded property test of the exact cache key: requests equal as JSON (keys in any order, any
 * whitespace, a number written any way) always give one key; changing any generation parameter,
 * the input, or the scope (tenant, namespace, endpoint, model) always gives another. Prints its
 * seed; {@code -Dgatehouse.cache.seed=N} replays a run.
 */
class CacheKeyPropertyTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final CacheKey.Scope SCOPE = new CacheKey.Scope("team:t1", "", "CHAT_COMPLETIONS", "gpt-4o");
    private static final int TRIES = 500;

    @Test
    void equalRequestsGiveEqualKeysAndAnyChangeAnother() throws Exception {
        long seed = Long.getLong("gatehouse.cache.seed", System.nanoTime());
        System.out.println("CacheKeyPropertyTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < TRIES; i++) {
            ObjectNode request = request(random);
            String key = key(SCOPE, write(request, random));
            // The same request written differently: same key.
            for (int k = 0; k < 3; k++) {
                assertThat(key(SCOPE, write(request, random))).as("seed %d try %d: %s", seed, i, request).isEqualTo(key);
            }
            // The body's model never counts: the resolved model in the scope does.
            ObjectNode renamed = request.deepCopy().put("model", "router-" + random.nextInt(1000));
            assertThat(key(SCOPE, write(renamed, random))).isEqualTo(key);
            // Any one parameter changed, added or removed, or the input changed: another key.
            ObjectNode changed = mutate(request, random);
            assertThat(key(SCOPE, write(changed, random))).as("seed %d try %d: %s -> %s", seed, i, request, changed).isNotEqualTo(key);
            // Any part of the scope changed: another key.
            String body = write(request, random);
            assertThat(key(new CacheKey.Scope("team:t2", "", "CHAT_COMPLETIONS", "gpt-4o"), body)).isNotEqualTo(key);
            assertThat(key(new CacheKey.Scope("team:t1", "ns", "CHAT_COMPLETIONS", "gpt-4o"), body)).isNotEqualTo(key);
            assertThat(key(new CacheKey.Scope("team:t1", "", "MESSAGES", "gpt-4o"), body)).isNotEqualTo(key);
            assertThat(key(new CacheKey.Scope("team:t1", "", "CHAT_COMPLETIONS", "gpt-4o-mini"), body)).isNotEqualTo(key);
            distinct.add(key);
        }
        assertThat(distinct).hasSizeGreaterThan(TRIES * 9 / 10); // random requests rarely coincide
    }

    @Test
    void numbersCountByValueAndStringsByBytes() throws Exception {
        String a = key(SCOPE, "{\"temperature\":1,\"top_p\":0.5,\"messages\":[]}");
        assertThat(key(SCOPE, "{\"messages\":[],\"top_p\":5e-1,\"temperature\":1.0}")).isEqualTo(a);
        assertThat(key(SCOPE, "{ \"messages\" : [ ], \"top_p\" : 0.50, \"temperature\" : 1E0 }")).isEqualTo(a);
        assertThat(key(SCOPE, "{\"temperature\":1,\"top_p\":0.5000000000000000001,\"messages\":[]}")).isNotEqualTo(a);
        assertThat(key(SCOPE, "{\"temperature\":\"1\",\"top_p\":0.5,\"messages\":[]}")).isNotEqualTo(a);
        // Tagged, length-prefixed: no two structures share bytes ("ab" + "c" vs "a" + "bc").
        assertThat(key(SCOPE, "{\"stop\":[\"ab\",\"c\"]}")).isNotEqualTo(key(SCOPE, "{\"stop\":[\"a\",\"bc\"]}"));
        assertThat(key(SCOPE, "{\"stop\":[]}")).isNotEqualTo(key(SCOPE, "{\"stop\":null}"));
        assertThat(key(SCOPE, "{\"a\":{}}")).isNotEqualTo(key(SCOPE, "{\"a\":[]}"));
        assertThat(CanonicalJson.number(new BigDecimal("1e999999999"))).isEqualTo("1e999999999"); // never expanded
    }

    static String key(CacheKey.Scope scope, String body) throws Exception {
        return CacheKey.exact(scope, CanonicalJson.parse(Buffer.buffer(body)));
    }

    /** A random chat request with a random subset of every kind of generation parameter. */
    static ObjectNode request(SplittableRandom r) {
        ObjectNode o = NODES.objectNode();
        o.put("model", "gpt-4o");
        ArrayNode messages = o.putArray("messages");
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", text(r));
        }
        if (r.nextBoolean()) o.put("temperature", r.nextInt(21) / 10.0);
        if (r.nextBoolean()) o.put("top_p", r.nextInt(11) / 10.0);
        if (r.nextBoolean()) o.put("max_tokens", 1 + r.nextInt(4096));
        if (r.nextBoolean()) o.put("seed", r.nextLong(1L << 40));
        if (r.nextBoolean()) o.putArray("stop").add(text(r));
        if (r.nextBoolean()) o.put("reasoning_effort", List.of("minimal", "low", "medium", "high").get(r.nextInt(4)));
        if (r.nextBoolean()) o.put("stream", r.nextBoolean());
        if (r.nextBoolean()) o.putObject("response_format").put("type", r.nextBoolean() ? "json_object" : "text");
        if (r.nextBoolean()) {
            ObjectNode fn = o.putArray("tools").addObject().put("type", "function").putObject("function");
            fn.put("name", "tool" + r.nextInt(100));
            fn.putObject("parameters").put("type", "object").putObject("properties").putObject("x").put("type", "string");
        }
        if (r.nextBoolean()) o.put("tool_choice", r.nextBoolean() ? "auto" : "required");
        if (r.nextBoolean()) o.put("presence_penalty", (r.nextInt(41) - 20) / 10.0);
        if (r.nextBoolean()) o.put("n", 1 + r.nextInt(3));
        return o;
    }

    static String text(SplittableRandom r) {
        String[] words = {"what", "is", "the", "capital", "of", "France", "é", "\"quoted\"", "line\nbreak", "42", "ünï", "😀"};
        StringBuilder b = new StringBuilder();
        for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
            b.append(words[r.nextInt(words.length)]).append(' ');
        }
        return b.toString();
    }

    /** One change that matters: a parameter's value, a parameter added or removed, or the input. */
    static ObjectNode mutate(ObjectNode request, SplittableRandom r) {
        ObjectNode o = request.deepCopy();
        switch (r.nextInt(5)) {
            case 0 -> { // a new value for an existing parameter (never equal by value to the old one)
                List<String> params = new ArrayList<>();
                o.fieldNames().forEachRemaining(f -> {
                    if (!f.equals("model") && !f.equals("messages")) {
                        params.add(f);
                    }
                });
                if (params.isEmpty()) {
                    o.put("temperature", 0.7);
                } else {
                    String f = params.get(r.nextInt(params.size()));
                    JsonNode old = o.get(f);
                    o.set(f, old.isNumber() ? NODES.numberNode(old.decimalValue().add(BigDecimal.valueOf(1, 1)))
                            : old.isTextual() ? NODES.textNode(old.textValue() + "x")
                            : old.isBoolean() ? NODES.booleanNode(!old.booleanValue())
                            : NODES.textNode("changed"));
                }
            }
            case 1 -> { // a parameter added (one the generator never sets)
                String[] extra = {"logprobs", "frequency_penalty", "user", "parallel_tool_calls", "top_logprobs"};
                o.put(extra[r.nextInt(extra.length)], 1);
            }
            case 2 -> { // a parameter removed (or, when none, one added)
                List<String> params = new ArrayList<>();
                o.fieldNames().forEachRemaining(f -> {
                    if (!f.equals("model") && !f.equals("messages")) {
                        params.add(f);
                    }
                });
                if (params.isEmpty()) {
                    o.put("seed", 7);
                } else {
                    o.remove(params.get(r.nextInt(params.size())));
                }
            }
            case 3 -> { // the input's text
                ObjectNode m = (ObjectNode) o.get("messages").get(r.nextInt(o.get("messages").size()));
                m.put("content", m.get("content").textValue() + "?");
            }
            default -> ((ArrayNode) o.get("messages")).addObject().put("role", "user").put("content", text(r)); // one more turn
        }
        return o;
    }

    /** {@code node} as JSON text with its keys in a random order, random whitespace and numbers written a random way. */
    static String write(JsonNode node, SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        write(node, r, b);
        return b.toString();
    }

    private static void write(JsonNode node, SplittableRandom r, StringBuilder b) {
        space(r, b);
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                fields.add(it.next());
            }
            Collections.shuffle(fields, new java.util.Random(r.nextLong()));
            b.append('{');
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) b.append(',');
                space(r, b);
                b.append(NODES.textNode(fields.get(i).getKey()).toString());
                space(r, b);
                b.append(':');
                write(fields.get(i).getValue(), r, b);
            }
            space(r, b);
            b.append('}');
        } else if (node.isArray()) {
            b.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) b.append(',');
                write(node.get(i), r, b);
            }
            space(r, b);
            b.append(']');
        } else if (node.isNumber()) {
            BigDecimal v = node.decimalValue();
            b.append(switch (r.nextInt(4)) {
                case 0 -> v.toPlainString();
                case 1 -> v.setScale(Math.max(v.scale(), 0) + 2).toPlainString(); // trailing zeros
                case 2 -> v.unscaledValue() + "e" + (-v.scale()); // exponent form
                default -> v.toString();
            });
        } else {
            b.append(node.toString());
        }
        space(r, b);
    }

    private static void space(SplittableRandom r, StringBuilder b) {
        switch (r.nextInt(6)) {
            case 0 -> b.append(' ');
            case 1 -> b.append("\n  ");
            case 2 -> b.append('\t');
            default -> { }
        }
    }
}

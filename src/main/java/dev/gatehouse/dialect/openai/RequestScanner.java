package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The part every fast-path request scan shares (OpenAI chat and embeddings, Anthropic messages):
 * one streaming pass over the bytes whose root must be an object, a 400 for bad JSON, top-level
 * keys that may appear only once (a table per format, so a key is refused twice with one line),
 * the required model, and a non-empty array of objects. The scans keep what is their own: which
 * fields they read, their types, and the byte offsets they rewrite. Each refusal is worded the way
 * the caller's API words it ({@link Wording}), so error messages do not change with the scan.
 */
public final class RequestScanner {

    /** How a caller's API words a refusal: OpenAI quotes the key, Anthropic leads with the path. */
    public enum Wording {
        OPENAI {
            @Override
            String duplicate(String key) {
                return "Duplicate key '" + key + "' in request body.";
            }

            @Override
            String missing(String key) {
                return "Missing required parameter: '" + key + "'.";
            }

            @Override
            String empty(String key) {
                return "'" + key + "' must not be empty.";
            }

            @Override
            String notAnObject(JsonToken first) {
                return first == null ? "Request body is empty; expected a JSON object."
                        : "Request body must be a JSON object, got " + OpenAiJson.describe(first) + ".";
            }

            @Override
            String notString(String key) {
                return "'" + key + "' must be a string, got ";
            }

            @Override
            String notArray(String key, JsonToken got) {
                return "'" + key + "' must be an array, got " + OpenAiJson.describe(got) + ".";
            }

            @Override
            String element(String key, int index) {
                return key + "[" + index + "]";
            }

            @Override
            String notObject(String path, JsonToken got) {
                return "'" + path + "' must be an object, got " + OpenAiJson.describe(got) + ".";
            }
        },
        ANTHROPIC {
            @Override
            String duplicate(String key) {
                return key + ": duplicate key in request body.";
            }

            @Override
            String missing(String key) {
                return key + ": Field required";
            }

            @Override
            String empty(String key) {
                return key + ": must not be empty.";
            }

            @Override
            String notAnObject(JsonToken first) {
                // A body of only whitespace is empty, in both dialects' wording (issue 22).
                return first == null ? "Request body is empty; expected a JSON object."
                        : "Request body must be a JSON object, got " + OpenAiJson.describe(first) + ".";
            }

            @Override
            String notString(String key) {
                return key + ": Input should be a valid string, got ";
            }

            @Override
            String notArray(String key, JsonToken got) {
                return key + ": Input should be a valid list, got " + OpenAiJson.describe(got) + ".";
            }

            @Override
            String element(String key, int index) {
                return key + "." + index;
            }

            @Override
            String notObject(String path, JsonToken got) {
                return path + ": Input should be an object, got " + OpenAiJson.describe(got) + ".";
            }
        };

        abstract String duplicate(String key);

        abstract String missing(String key);

        abstract String empty(String key);

        abstract String notAnObject(JsonToken first);

        abstract String notString(String key);

        abstract String notArray(String key, JsonToken got);

        abstract String element(String key, int index);

        abstract String notObject(String path, JsonToken got);
    }

    /**
     * A request format's scanning rules: its wording and the top-level keys it refuses to see
     * twice (a repeated key would let the gateway and the provider read different values).
     */
    public record Rules(Wording wording, String... unique) {
        public Rules {
            if (unique.length > Integer.SIZE) {
                throw new IllegalArgumentException("at most " + Integer.SIZE + " unique keys");
            }
        }
    }

    /** Reads the members of the root object; the parser stands on its '{'. */
    @FunctionalInterface
    public interface Members<T> {
        T read(JsonParser p, RequestScanner scanner) throws IOException;
    }

    private final Rules rules;
    private int seen; // bit i: rules.unique[i] was seen

    private RequestScanner(Rules rules) {
        this.rules = rules;
    }

    /** Scans {@code body}: a 400 when it is empty, not JSON or not an object, else what {@code members} reads. */
    public static <T> T scan(Buffer body, Rules rules, Members<T> members) {
        if (body == null || body.length() == 0) {
            throw GatewayException.invalid("Request body is empty; expected a JSON object.", null);
        }
        try (JsonParser p = OpenAiJson.parser(OpenAiJson.bytes(body))) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw GatewayException.invalid(rules.wording().notAnObject(first), null);
            }
            return members.read(p, new RequestScanner(rules));
        } catch (JsonProcessingException e) {
            throw OpenAiJson.malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The current member's name; a 400 when it is one of the unique keys and was seen before. */
    public String key(JsonParser p) throws IOException {
        String name = p.currentName();
        String[] unique = rules.unique();
        for (int i = 0; i < unique.length; i++) {
            if (unique[i].equals(name)) {
                if ((seen & (1 << i)) != 0) {
                    throw GatewayException.invalid(rules.wording().duplicate(name), name);
                }
                seen |= 1 << i;
                break;
            }
        }
        return name;
    }

    /** A string value and where it sits (for an in-place rewrite); a 400 when it is not a string. */
    public OpenAiJson.StringSpan string(JsonParser p, JsonToken value, String key) throws IOException {
        return OpenAiJson.uniqueString(p, value, key, false, null, rules.wording().notString(key));
    }

    /** How many objects an array value holds, skipping them; a 400 when it is not an array of objects. */
    public int objectCount(JsonParser p, JsonToken value, String key) throws IOException {
        Wording w = rules.wording();
        if (value != JsonToken.START_ARRAY) {
            throw GatewayException.invalid(w.notArray(key, value), key);
        }
        int count = 0;
        JsonToken m;
        while ((m = p.nextToken()) != JsonToken.END_ARRAY) {
            if (m != JsonToken.START_OBJECT) {
                String path = w.element(key, count);
                throw GatewayException.invalid(w.notObject(path, m), path);
            }
            p.skipChildren();
            count++;
        }
        return count;
    }

    /** A 400 when the required model is missing or blank. */
    public void requireModel(String model) {
        if (model == null) {
            throw GatewayException.invalid(rules.wording().missing("model"), "model");
        }
        if (model.isBlank()) {
            throw GatewayException.invalid(rules.wording().empty("model"), "model");
        }
    }

    /** A 400 for a required parameter that is missing. */
    public GatewayException missing(String key) {
        return GatewayException.invalid(rules.wording().missing(key), key);
    }
}

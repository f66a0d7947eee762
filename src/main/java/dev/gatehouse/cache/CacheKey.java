package dev.gatehouse.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The exact cache key: SHA-256 over everything that changes the answer, in canonical form — the
 * tenant scope (the team, unless answers are shared across teams), the caller's namespace, the
 * endpoint (which is also the answer's wire format), the resolved public model, and the whole
 * request body: every generation parameter (tools, tool_choice, response_format, reasoning
 * effort, seed, temperature, top_p, max tokens, stop, stream and its options, ...) and the input.
 * Only the body's {@code model} is left out: the resolved model stands in its place (a router
 * model's choice, not the router's name).
 *
 * <p>Nothing is dropped as "not changing the answer" on guesswork: a field the key ignored would
 * serve one caller another's answer; a field it keeps only costs a miss.
 */
public final class CacheKey {
    private static final byte[] VERSION = "gatehouse-cache/1".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> MODEL = Set.of("model");

    private CacheKey() {}

    /** What identifies a request apart from its body. */
    public record Scope(String tenant, String namespace, String endpoint, String model) {}

    /** The exact key, as 64 hex digits. */
    public static String exact(Scope scope, JsonNode body) {
        MessageDigest digest = sha256();
        scope(digest, scope, 'x');
        CanonicalJson.digest(body, MODEL, digest);
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The semantic partition: the exact key without the input conversation ({@code inputFields},
     * e.g. {@code messages}) but with the parts of it that must match exactly ({@code exactPart},
     * e.g. the system prompt), so that only requests with equal model, parameters, namespace and
     * tenant are ever compared by meaning.
     */
    public static String partition(Scope scope, JsonNode body, Set<String> inputFields, JsonNode exactPart) {
        MessageDigest digest = sha256();
        scope(digest, scope, 'p');
        Set<String> dropped = new HashSet<>(inputFields);
        dropped.add("model");
        CanonicalJson.digest(body, dropped, digest);
        CanonicalJson.digest(exactPart, digest);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void scope(MessageDigest digest, Scope scope, char kind) {
        digest.update(VERSION);
        digest.update((byte) kind);
        CanonicalJson.text(digest, nonNull(scope.tenant()));
        CanonicalJson.text(digest, nonNull(scope.namespace()));
        CanonicalJson.text(digest, nonNull(scope.endpoint()));
        CanonicalJson.text(digest, nonNull(scope.model()));
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private static MessageDigest sha256() {
        return Sha256.digest();
    }
}

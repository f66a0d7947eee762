package dev.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One named guardrail of the {@code guardrails} section: what it checks ({@code type} and its
 * settings), where it applies ({@code apply-to}: nothing listed = the whole gateway), on which side
 * of the call ({@code stage}), and what it does when it finds something ({@code action}).
 *
 * @param type pii, secrets, injection, words, regex, webhook or moderation
 * @param input checks what callers send (prompts, tool results, embeddings input)
 * @param output checks what models answer (text and tool-call arguments)
 * @param action block, mask or flag
 * @param restore puts masked values back into the answer for the caller (action mask only)
 * @param failClosed {@code on-error: block} (the default): a guardrail that cannot decide blocks the call
 * @param timeout how long the guardrail may take (webhooks, moderation)
 * @param applyTo where the guardrail is attached
 * @param stream how streamed answers are checked (output guardrails)
 * @param settings the type's own settings
 */
public record GuardrailConfig(String name, String type, boolean input, boolean output, String action, boolean restore,
        boolean failClosed, Duration timeout, ApplyTo applyTo, StreamCheck stream, Settings settings) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** Where a guardrail applies: any match attaches it; all lists empty = every call. */
    public record ApplyTo(Set<String> teams, Set<String> keys, Set<String> models, Set<String> policies) {
        public static final ApplyTo ALL = new ApplyTo(Set.of(), Set.of(), Set.of(), Set.of());

        public ApplyTo {
            teams = Set.copyOf(teams);
            keys = Set.copyOf(keys);
            models = Set.copyOf(models);
            policies = Set.copyOf(policies);
        }

        public boolean everywhere() {
            return teams.isEmpty() && keys.isEmpty() && models.isEmpty() && policies.isEmpty();
        }
    }

    /**
     * How a streamed answer is checked: {@code window} releases text only once {@code window}
     * characters after it have been checked too; {@code whole} holds the whole answer until its end.
     */
    public record StreamCheck(boolean whole, int window) {
        public static final StreamCheck DEFAULT = new StreamCheck(false, 256);
    }

    /**
     * The type's settings (fields that do not apply to a type are empty).
     *
     * @param entities pii: which detectors run (email, phone, credit-card, iban, ssn, ip); empty = all
     * @param patterns pii and regex: custom patterns by label, e.g. {@code EMPLOYEE_ID: "E\d{6}"}
     * @param secretKinds secrets: which kinds run; empty = all
     * @param entropy secrets: high-entropy tokens at or above this many bits per character (0 = off)
     * @param threshold injection: score from 0 to 1 at which the guardrail acts
     * @param deny words: words or phrases that trigger the guardrail
     * @param allow words: when set, text must mention at least one of these (topic allow list)
     * @param url webhook: where verdicts are asked for
     * @param secret webhook: HMAC-SHA256 key of the signature header
     * @param allowPrivate webhook: the URL may resolve to loopback or private addresses
     * @param provider moderation: an OpenAI-format provider with {@code /v1/moderations}
     * @param model moderation: its moderation model
     * @param categories moderation: score threshold per category ({@code "*"} for any other)
     */
    public record Settings(List<String> entities, Map<String, String> patterns, List<String> secretKinds, double entropy,
            double threshold, List<String> deny, List<String> allow, String url, String secret, boolean allowPrivate,
            String provider, String model, Map<String, Double> categories) {

        public Settings {
            entities = List.copyOf(entities);
            patterns = Map.copyOf(patterns);
            secretKinds = List.copyOf(secretKinds);
            deny = List.copyOf(deny);
            allow = List.copyOf(allow);
            categories = Map.copyOf(categories);
        }
    }

    public boolean masks() {
        return "mask".equals(action);
    }
}

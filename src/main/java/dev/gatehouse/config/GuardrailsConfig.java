package dev.gatehouse.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code guardrails} section: named guardrails in file order (the order they run in).
 * Empty (the default) means no guardrail work at all on any call.
 */
public record GuardrailsConfig(Map<String, GuardrailConfig> guardrails) {
    public static final GuardrailsConfig NONE = new GuardrailsConfig(Map.of());

    public GuardrailsConfig {
        guardrails = Collections.unmodifiableMap(new LinkedHashMap<>(guardrails));
    }

    public boolean isEmpty() {
        return guardrails.isEmpty();
    }
}

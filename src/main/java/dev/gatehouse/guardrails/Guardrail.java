package dev.gatehouse.guardrails;

import dev.gatehouse.config.GuardrailConfig;
import java.util.ArrayList;
import java.util.List;

/** One configured guardrail, compiled: its detector (built-in types) or its remote check (webhook, moderation). */
final class Guardrail {
    final GuardrailConfig config;
    /** Finds values or judges the text, for the built-in types; null for remote ones. */
    final Detector detector;
    /** The words type's topic allow list; null for other types. */
    final WordsDetector words;
    /** Asks a service for a verdict (webhook, moderation); null for built-in types. */
    final RemoteCheck remote;

    Guardrail(GuardrailConfig config, Detector detector, WordsDetector words, RemoteCheck remote) {
        this.config = config;
        this.detector = detector;
        this.words = words;
        this.remote = remote;
    }

    String name() {
        return config.name();
    }

    /** Whether this guardrail is attached to a call of this scope: to everything, or to its team, key, model or a policy. */
    boolean appliesTo(Scope scope) {
        GuardrailConfig.ApplyTo a = config.applyTo();
        if (a.everywhere()) {
            return true;
        }
        if (scope.teamId() != null && a.teams().contains(scope.teamId())
                || scope.keyId() != null && a.keys().contains(scope.keyId())
                || scope.model() != null && a.models().contains(scope.model())) {
            return true;
        }
        for (String policy : scope.policies()) {
            if (a.policies().contains(policy)) {
                return true;
            }
        }
        return false;
    }

    /** What this guardrail's detector finds in {@code text} (never null). */
    List<Finding> find(String text) {
        List<Finding> out = new ArrayList<>(2);
        detector.find(text, out);
        return out;
    }
}

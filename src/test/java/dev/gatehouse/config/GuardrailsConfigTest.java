package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The guardrails section: defaults (fail closed, input, block), attachments, and every mistake named. */
class GuardrailsConfigTest {
    static final Path SOURCE = Path.of("gatehouse.yaml");
    static final String MODELS = """
            providers:
              m: {kind: mock}
              oa: {kind: openai, base-url: "https://api.openai.com/v1", api-key: k}
            models:
              x: {targets: [{provider: m}]}
            """;

    @Test
    void noSectionMeansNoGuardrails() {
        assertThat(ConfigLoader.parse(MODELS, SOURCE, Map.of()).guardrails().isEmpty()).isTrue();
    }

    @Test
    void defaultsFailClosedOnInputWithBlock() {
        GatehouseConfig config = ConfigLoader.parse(MODELS + """
                guardrails:
                  pii: {type: pii}
                  team-secrets:
                    type: secrets
                    stage: both
                    action: mask
                    on-error: allow
                    timeout: 300ms
                    stream: {mode: window, window: 64}
                    apply-to: {teams: [t1], keys: [k1], models: [x], policies: [strict]}
                  mod: {type: moderation, provider: oa, categories: {violence: 0.4, "*": 0.8}}
                """, SOURCE, Map.of());
        GuardrailConfig pii = config.guardrails().guardrails().get("pii");
        assertThat(pii.input()).isTrue();
        assertThat(pii.output()).isFalse();
        assertThat(pii.action()).isEqualTo("block");
        assertThat(pii.failClosed()).isTrue();
        assertThat(pii.timeout()).isEqualTo(GuardrailConfig.DEFAULT_TIMEOUT);
        assertThat(pii.applyTo().everywhere()).isTrue();
        GuardrailConfig s = config.guardrails().guardrails().get("team-secrets");
        assertThat(s.input() && s.output()).isTrue();
        assertThat(s.failClosed()).isFalse();
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(s.stream()).isEqualTo(new GuardrailConfig.StreamCheck(false, 64));
        assertThat(s.applyTo().policies()).containsExactly("strict");
        assertThat(config.guardrails().guardrails().get("mod").settings().categories()).containsEntry("violence", 0.4);
        assertThat(config.guardrails().guardrails().keySet()).containsExactly("pii", "team-secrets", "mod");
    }

    @Test
    void mistakesAreNamedWithTheirPath() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(MODELS + """
                guardrails:
                  a: {type: pi}
                  b: {type: pii, action: redact, stage: out, on-error: ignore, entities: [emial]}
                  c: {type: injection, action: mask}
                  d: {type: webhook, url: "ftp://x", stage: output}
                  e: {type: regex, patterns: {lower: "a+", EMPTY: "x*"}}
                  f: {type: pii, restore: true}
                  g: {type: moderation, provider: nope}
                  h: {type: words}
                  i: {type: pii, apply-to: {team: [x]}}
                """, SOURCE, Map.of()));
        assertThat(e).isNotNull();
        assertThat(String.join("\n", e.problems()))
                .contains("guardrails.a.type: must be one of pii, secrets")
                .contains("guardrails.b.action: must be block, mask or flag, got 'redact'")
                .contains("guardrails.b.stage: must be input, output or both")
                .contains("guardrails.b.on-error: must be block or allow")
                .contains("guardrails.b.entities: unknown 'emial' (did you mean 'email'?)")
                .contains("guardrails.c.action: a injection guardrail judges the text as a whole")
                .contains("guardrails.d.url: must be an http(s) URL")
                .contains("guardrails.d: missing required key 'secret'")
                .doesNotContain("guardrails.d.stage") // webhooks (and moderation) judge answers too
                .contains("guardrails.e.patterns.lower: a pattern label is upper case")
                .contains("guardrails.e.patterns.EMPTY: matches the empty text")
                .contains("guardrails.f.restore: restore needs action: mask")
                .contains("guardrails.g.provider: unknown provider 'nope'")
                .contains("guardrails.h: a words guardrail needs deny or allow")
                .contains("guardrails.i.apply-to.team: unknown key (did you mean 'teams'?)");
    }
}

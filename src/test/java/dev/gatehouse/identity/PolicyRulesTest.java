package dev.gatehouse.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.identity.AccessPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRulesTest {
    static PolicyRules.Compiled policy(String name, List<String> models, List<String> providers, List<String> endpoints, Integer max) {
        return PolicyRules.Compiled.of(new AccessPolicy("id-" + name, name, null, models, providers, endpoints, max, 0, 0));
    }

    @Test
    void globsMatchWholeNamesAndDotsAreLiteral() {
        AccessRules rules = PolicyRules.of(List.of(policy("p", List.of("gpt-4o*", "o?-mini"), List.of(), List.of(), null)));
        assertThat(rules.checkModel("gpt-4o")).isNull();
        assertThat(rules.checkModel("gpt-4o-mini")).isNull();
        assertThat(rules.checkModel("o3-mini")).isNull();
        assertThat(rules.checkModel("xgpt-4o")).isNotNull();
        assertThat(rules.checkModel("o33-mini")).isNotNull();
        AccessRules dotted = PolicyRules.of(List.of(policy("d", List.of("claude-3.5"), List.of(), List.of(), null)));
        assertThat(dotted.checkModel("claude-3x5")).isNotNull();
    }

    @Test
    void everyPolicyMustAllowAndTheFirstRefusingOneIsNamed() {
        AccessRules rules = PolicyRules.of(List.of(policy("wide", List.of("*"), List.of(), List.of(), null),
                policy("narrow", List.of("gpt-4o-mini"), List.of("openai"), List.of("chat.completions"), 100)));
        assertThat(rules.checkRequest("chat.completions", "gpt-4o-mini", "openai", 50)).isNull();
        assertThat(rules.checkRequest("chat.completions", "gpt-4o", null, 50).policy()).isEqualTo("narrow");
        assertThat(rules.checkRequest("embeddings", "gpt-4o-mini", null, null).reason()).contains("endpoint 'embeddings'");
        assertThat(rules.checkRequest("chat.completions", "gpt-4o-mini", "azure", 50).reason()).contains("provider 'azure'");
        assertThat(rules.checkRequest("chat.completions", "gpt-4o-mini", null, 101).reason()).contains("at most 100");
        assertThat(rules.checkRequest("chat.completions", "gpt-4o-mini", null, null).reason()).contains("without max_tokens");
    }

    @Test
    void noPoliciesMeansAllowAll() {
        assertThat(PolicyRules.of(List.of())).isSameAs(AccessRules.ALLOW_ALL);
    }
}

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

    @Test
    void vectorStoresAreSharedOnlyByTheirOwnersTeamOrTheOrganisation() {
        AccessPolicy alphaShares = new AccessPolicy("p1", "alpha-shares", "alpha", List.of(), List.of(), List.of(), null, List.of(),
                List.of(), List.of("vs_hand*"), 0, 0);
        AccessPolicy betaClaims = new AccessPolicy("p2", "beta-claims", "beta", List.of(), List.of(), List.of(), null, List.of(),
                List.of(), List.of("vs_*"), 0, 0);
        AccessPolicy orgShares = new AccessPolicy("p3", "org", null, List.of(), List.of(), List.of(), null, List.of(), List.of(),
                List.of("vs_wiki"), 0, 0);
        // Denied by default: no policy, or policies silent on vector stores.
        assertThat(AccessRules.ALLOW_ALL.mayReadVectorStore("vs_handbook", "alpha")).isFalse();
        assertThat(PolicyRules.of(List.of(policy("plain", List.of("*"), List.of(), List.of(), null)))
                .mayReadVectorStore("vs_handbook", "alpha")).isFalse();
        AccessRules rules = PolicyRules.of(List.of(PolicyRules.Compiled.of(alphaShares)));
        assertThat(rules.mayReadVectorStore("vs_handbook", "alpha")).isTrue();
        assertThat(rules.mayReadVectorStore("vs_other", "alpha")).isFalse();
        // alpha's policy names a pattern, but it shares only alpha's stores.
        assertThat(rules.mayReadVectorStore("vs_handbook", "gamma")).isFalse();
        // A team naming another team's store in its own policy gains nothing.
        assertThat(PolicyRules.of(List.of(PolicyRules.Compiled.of(betaClaims))).mayReadVectorStore("vs_handbook", "alpha")).isFalse();
        assertThat(PolicyRules.of(List.of(PolicyRules.Compiled.of(betaClaims))).mayReadVectorStore("vs_handbook", "beta")).isTrue();
        // Organisation-wide: any owner's store, even one owned by a key without a team.
        AccessRules org = PolicyRules.of(List.of(PolicyRules.Compiled.of(orgShares), PolicyRules.Compiled.of(betaClaims)));
        assertThat(org.mayReadVectorStore("vs_wiki", "alpha")).isTrue();
        assertThat(org.mayReadVectorStore("vs_wiki", null)).isTrue();
        assertThat(org.mayReadVectorStore("vs_handbook", "alpha")).isFalse();
    }
}

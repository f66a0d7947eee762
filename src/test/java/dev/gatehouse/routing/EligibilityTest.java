package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.call;
import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.RouterConfig;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.pricing.Pricing;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each eligibility rule, allowed and denied, with the reason and the error the caller would get. */
class EligibilityTest {
    final Target a = target("a", "gpt-4o");
    final Target b = target("b", "gpt-4o-mini");
    final Target z = target("z", "gpt-4o");
    final Route chat = new Route("chat", false, List.of(a, b), null, List.of(), Set.of(), null);
    final Route embed = new Route("embed", true, List.of(a), null, List.of(), Set.of(), null);
    final Eligibility eligibility = new Eligibility(Map.of("a", provider("a", false), "b", provider("b", false),
            "z", provider("z", true)));

    /** Denies the model "secret", the provider "b", and more than 100 output tokens. */
    static final AccessRules RULES = new AccessRules() {
        @Override
        public Denial checkModel(String model) {
            return model.equals("secret") ? new Denial("no-secret", "Policy 'no-secret' does not allow the model 'secret'.") : null;
        }

        @Override
        public Denial checkRequest(String endpoint, String model, String provider, Integer maxTokens) {
            if (checkModel(model) != null) {
                return checkModel(model);
            }
            if ("b".equals(provider)) {
                return new Denial("no-b", "Policy 'no-b' does not allow the provider 'b'.");
            }
            if (maxTokens != null && maxTokens > 100) {
                return new Denial("small", "Policy 'small' allows at most 100 output tokens.");
            }
            return null;
        }
    };

    static Call governed(String model) {
        Call call = call(model, false);
        call.principal(new Principal("u", "virtual-key", "k", "u", "t", Set.of("member"), RULES));
        return call;
    }

    static ProviderConfig provider(String name, boolean zdr) {
        return new ProviderConfig(name, "mock", null, null, null, null, null, false, null, List.of(), zdr);
    }

    // ---- model rules ------------------------------------------------------------------------

    @Test
    void anExistingAllowedModelOfTheCallsEndpointIsAllowed() {
        assertThat(Eligibility.model(governed("chat"), "chat", chat)).isEqualTo(Eligibility.Verdict.ALLOWED);
        assertThat(Eligibility.model(governed("chat"), "chat", chat).error()).isNull();
    }

    @Test
    void anUnknownModelIsA404() {
        Eligibility.Verdict verdict = Eligibility.model(governed("nope"), "nope", null);
        assertThat(verdict.rule()).isEqualTo(Eligibility.Rule.MODEL_EXISTS);
        GatewayException error = verdict.error();
        assertThat(error.status()).isEqualTo(404);
        assertThat(error.code()).isEqualTo("model_not_found");
        assertThat(error.getMessage()).isEqualTo("The model 'nope' does not exist or you do not have access to it."
                + " GET /v1/models lists the models you can use.");
    }

    @Test
    void aModelThePolicyDeniesIsA403NamingThePolicy() {
        Route secret = new Route("secret", false, List.of(a), null, List.of(), Set.of(), null);
        Eligibility.Verdict verdict = Eligibility.model(governed("secret"), "secret", secret);
        assertThat(verdict.rule()).isEqualTo(Eligibility.Rule.MODEL_POLICY);
        assertThat(verdict.note()).isEqualTo("denied by policy");
        assertThat(verdict.error().status()).isEqualTo(403);
        assertThat(verdict.error().code()).isEqualTo("policy_denied");
        assertThat(verdict.error().getMessage()).isEqualTo("Policy 'no-secret' does not allow the model 'secret'.");
        // Without a principal (tests, tools) nothing is denied by policy.
        assertThat(Eligibility.model(call("secret", false), "secret", secret).allowed()).isTrue();
    }

    @Test
    void aModelOfTheOtherEndpointIsA400SayingWhichEndpointToUse() {
        Eligibility.Verdict embeddingOnChat = Eligibility.model(governed("embed"), "embed", embed);
        assertThat(embeddingOnChat.rule()).isEqualTo(Eligibility.Rule.ENDPOINT);
        assertThat(embeddingOnChat.error().status()).isEqualTo(400);
        assertThat(embeddingOnChat.error().getMessage())
                .isEqualTo("The model 'embed' is an embedding model; use it with POST /v1/embeddings.");

        Call embeddings = new Call("req", Endpoint.EMBEDDINGS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        embeddings.model("chat");
        Eligibility.Verdict chatOnEmbeddings = Eligibility.model(embeddings, "chat", chat);
        assertThat(chatOnEmbeddings.rule()).isEqualTo(Eligibility.Rule.ENDPOINT);
        assertThat(chatOnEmbeddings.error().getMessage())
                .isEqualTo("The model 'chat' is a chat model; use it with POST /v1/chat/completions.");
        assertThat(Eligibility.model(embeddings, "embed", embed).allowed()).isTrue();
    }

    @Test
    void aRouterModelIsNeverAFallbackOrACandidate() {
        Route router = new Route("auto", false, List.of(), null, List.of(), Set.of(),
                new RouterConfig(List.of("chat"), "cost", null, List.of()));
        assertThat(Eligibility.candidate(governed("x"), "auto", router).rule()).isEqualTo(Eligibility.Rule.ROUTER_MODEL);
        assertThat(Eligibility.model(governed("auto"), "auto", router).allowed()).as("the caller may name it").isTrue();
        assertThat(Eligibility.candidate(governed("x"), "chat", chat).allowed()).isTrue();
    }

    @Test
    void aFallbackModelThePolicyDeniesIsNotACandidateWhileAnAllowedOneIs() {
        Call call = governed("chat");
        assertThat(Eligibility.candidate(call, "secret", new Route("secret", false, List.of(a), null, List.of(), Set.of(), null)).rule())
                .isEqualTo(Eligibility.Rule.MODEL_POLICY);
        assertThat(Eligibility.candidate(call, "chat", chat).allowed()).isTrue();
        assertThat(Eligibility.candidate(call, "gone", null).rule()).isEqualTo(Eligibility.Rule.MODEL_EXISTS);
        assertThat(Eligibility.candidate(call, "embed", embed).rule()).isEqualTo(Eligibility.Rule.ENDPOINT);
    }

    @Test
    void theRequestAsAWholeIsCheckedAgainstThePolicy() {
        Call call = governed("chat");
        assertThat(Eligibility.request(call).allowed()).isTrue();
        call.requestSize(100, 500);
        Eligibility.Verdict verdict = Eligibility.request(call);
        assertThat(verdict.rule()).isEqualTo(Eligibility.Rule.REQUEST_POLICY);
        assertThat(verdict.error().status()).isEqualTo(403);
        assertThat(verdict.error().code()).isEqualTo("policy_denied");
        assertThat(verdict.error().getMessage()).isEqualTo("Policy 'small' allows at most 100 output tokens.");
    }

    // ---- target rules -----------------------------------------------------------------------

    @Test
    void aProviderThePolicyDeniesIsSkippedAndNoted() {
        Call call = governed("chat");
        assertThat(eligibility.check(call, a).allowed()).isTrue();
        Eligibility.Verdict verdict = eligibility.check(call, b);
        assertThat(verdict.rule()).isEqualTo(Eligibility.Rule.PROVIDER_POLICY);
        assertThat(verdict.denial().policy()).isEqualTo("no-b");

        StringBuilder reason = new StringBuilder("strategy=priority");
        assertThat(eligibility.eligible(call, List.of(b, a), reason)).containsExactly(a);
        assertThat(reason).hasToString("strategy=priority; skipped=b/gpt-4o-mini (denied by policy)");
    }

    @Test
    void whenThePolicyDeniesEveryTargetItIsA403NamingThePolicy() {
        assertThatThrownBy(() -> eligibility.eligible(governed("chat"), List.of(b), new StringBuilder()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("policy_denied");
                    assertThat(e.getMessage()).isEqualTo("Policy 'no-b' does not allow the provider 'b'.");
                });
    }

    @Test
    void aZeroDataRetentionCallReachesOnlyZdrProviders() {
        Call call = governed("chat");
        assertThat(eligibility.check(call, a).allowed()).as("not a ZDR call").isTrue();
        call.zdr(true);
        Eligibility.Verdict verdict = eligibility.check(call, a);
        assertThat(verdict.rule()).isEqualTo(Eligibility.Rule.ZDR);
        assertThat(verdict.note()).isEqualTo("not zdr");
        assertThat(eligibility.check(call, z).allowed()).isTrue();
        assertThat(Eligibility.withoutProviderConfig().check(call, z).rule())
                .as("a provider without configuration is not known to retain nothing").isEqualTo(Eligibility.Rule.ZDR);

        StringBuilder reason = new StringBuilder("strategy=priority");
        assertThat(eligibility.eligible(call, List.of(a, z), reason)).containsExactly(z);
        assertThat(reason).hasToString("strategy=priority; skipped=a/gpt-4o (not zdr)");
        // No ZDR target is not an error yet: a fallback model may still serve.
        assertThat(eligibility.eligible(call, List.of(a), null)).isEmpty();
        GatewayException none = verdict.error();
        assertThat(none.status()).isEqualTo(403);
        assertThat(none.code()).isEqualTo("zdr_no_target");
        assertThat(none.getMessage()).contains("no provider serving the model 'chat' is marked zdr: true");
    }

    @Test
    void aCallersOwnProviderKeyReachesOnlyTheFirstProvider() {
        Target a2 = target("a", "gpt-4.1");
        assertThat(Eligibility.callerKey(a, "a").allowed()).isTrue();
        assertThat(Eligibility.callerKey(b, "a").rule()).isEqualTo(Eligibility.Rule.CALLER_KEY);
        assertThat(Eligibility.forCallerKey(List.of(a, b, a2))).containsExactly(a, a2);
        assertThat(Eligibility.forCallerKey(List.of(b, a))).containsExactly(b);
        assertThat(Eligibility.forCallerKey(List.of())).isEmpty();
    }

    @Test
    void theRouterPlansOnlyEligibleTargets() {
        Call call = governed("chat");
        call.zdr(true);
        Route route = new Route("chat", false, List.of(a, b, z), null, List.of(), Set.of(), null);
        assertThat(new Router(TargetHealth.NONE, Pricing::shipped, () -> RoutingConfig.DEFAULTS, null, KeySelection.NONE).plan(route, call, eligibility)).containsExactly(z);
        assertThat(call.routeReason())
                .isEqualTo("strategy=priority; skipped=a/gpt-4o (not zdr), b/gpt-4o-mini (denied by policy)");
    }

    @Test
    void anUngovernedCallIsNotFiltered() {
        Call call = call("chat", false);
        List<Target> targets = List.of(a, b);
        assertThat(eligibility.eligible(call, targets, new StringBuilder())).isSameAs(targets);
    }
}

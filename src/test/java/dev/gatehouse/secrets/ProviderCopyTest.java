package dev.gatehouse.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.Principal;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.dialect.anthropic.AnthropicProvider;
import dev.gatehouse.dialect.azure.AzureOpenAiProvider;
import dev.gatehouse.dialect.gemini.GeminiProvider;
import dev.gatehouse.dialect.openai.OpenAiProvider;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.routing.KeySelection;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Router;
import dev.gatehouse.routing.Target;
import dev.gatehouse.routing.TargetHealth;
import dev.gatehouse.store.Database;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider copies carry the new key in each provider's own auth header; the router swaps them in per team, cached. */
class ProviderCopyTest {
    @TempDir
    Path dir;

    static ProviderConfig config(String name, String kind) {
        return new ProviderConfig(name, kind, "http://127.0.0.1:9", "config-key-0000", "2024-10-21", Map.of(),
                Timeouts.INHERIT, true, null, List.of(), false);
    }

    @Test
    void everyProviderKindPutsTheCopysKeyInItsAuthHeader() {
        Buffer body = Buffer.buffer("{}");
        Provider openai = new OpenAiProvider(config("o", "openai"), null).withApiKey("team-key-1");
        assertThat(openai.chat(body, "m", false).headers().get("authorization")).isEqualTo("Bearer team-key-1");
        Provider azure = new AzureOpenAiProvider(config("z", "azure-openai"), null).withApiKey("team-key-2");
        assertThat(azure.chat(body, "m", false).headers().get("api-key")).isEqualTo("team-key-2");
        Provider anthropic = new AnthropicProvider(config("a", "anthropic"), null).withApiKey("team-key-3");
        assertThat(anthropic.chat(body, "m", false).headers().get("x-api-key")).isEqualTo("team-key-3");
        Provider gemini = new GeminiProvider(config("g", "gemini"), null, null).withApiKey("team-key-4");
        assertThat(gemini.chat(body, "m", false).headers().get("x-goog-api-key")).isEqualTo("team-key-4");
        // The original is unchanged.
        assertThat(new OpenAiProvider(config("o", "openai"), null).chat(body, "m", false).headers().get("authorization"))
                .isEqualTo("Bearer config-key-0000");
        assertThat(openai.name()).isEqualTo("o");
    }

    @Test
    void theRouterSubstitutesOnlyTheTeamsProvidersAndCachesTheCopies() {
        SecretCipher cipher = SecretCipher.parse("k1:" + SecretCipherTest.key());
        try (Database db = Database.open(null, null, null, dir)) {
            CredentialStore store = new CredentialStore(db);
            long now = System.currentTimeMillis();
            store.insert(new StoredCredential("c1", "team-a", "anthropic",
                    cipher.encrypt("sk-ant-team-a", StoredCredential.aad("team-a", "anthropic")), "k1", "…", "t", now, now));
            TeamCredentials registry = new TeamCredentials(store, cipher);
            registry.loadOrFail();
            Router router = new Router(TargetHealth.NONE, Pricing::shipped, () -> RoutingConfig.DEFAULTS, null,
                    new ByokKeySelection(registry, () -> false));

            Provider openai = new OpenAiProvider(config("openai", "openai"), null);
            Provider anthropic = new AnthropicProvider(config("anthropic", "anthropic"), null);
            Route route = new Route("m", false, List.of(new Target(openai, "gpt", Timeouts.DEFAULTS),
                    new Target(anthropic, "claude", Timeouts.DEFAULTS)), "priority", List.of(), Set.of(), null);

            List<Target> planA = router.plan(route, call("team-a"));
            assertThat(planA.get(0).provider()).isSameAs(openai);
            assertThat(planA.get(1).provider()).isNotSameAs(anthropic);
            assertThat(planA.get(1).upstreamModel()).isEqualTo("claude");
            assertThat(planA.get(1).provider().chat(Buffer.buffer("{}"), "claude", false).headers().get("x-api-key"))
                    .isEqualTo("sk-ant-team-a");
            assertThat(router.plan(route, call("team-a")).get(1).provider()).isSameAs(planA.get(1).provider());
            assertThat(router.plan(route, call("team-b"))).containsExactlyElementsOf(route.targets());
            assertThat(router.plan(route, call(null))).containsExactlyElementsOf(route.targets());

            // A row copied to another team (ciphertext swap) does not decrypt, so it is never used.
            StoredCredential row = store.forTeam("team-a").getFirst();
            store.insert(new StoredCredential("c2", "team-b", "anthropic", row.ciphertext(), "k1", "…", "t", now, now));
            registry.refresh();
            assertThat(router.plan(route, call("team-b"))).containsExactlyElementsOf(route.targets());
        }
    }

    static Call call(String teamId) {
        Call call = new Call("r", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        call.principal(new Principal("p", "test", null, null, teamId, Set.of(), null));
        return call;
    }
}

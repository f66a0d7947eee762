package dev.gatehouse.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.ChatRequest;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.dialect.openai.OpenAiChatDecoder;
import dev.gatehouse.pricing.Pricing;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Each rule type and each capability filter of a router model, against the shipped prices. */
class AutoRouterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final GatehouseConfig CONFIG = ConfigLoader.parse("""
            providers:
              p: {kind: mock}
            models:
              mini: {capabilities: [tools, json-schema], targets: [{provider: p, model: gpt-4o-mini, context-window: 1000}]}
              big: {capabilities: [vision, tools, json-schema], targets: [{provider: p, model: gpt-4o}]}
              claude: {capabilities: [vision], targets: [{provider: p, model: claude-sonnet-4-5}]}
              defaults: {targets: [{provider: p, model: gpt-4o-2024-08-06}]}
              auto:
                router:
                  candidates: [big, claude, mini]
                  rules:
                    - {when: {header: {x-task: code}}, use: big}
                    - {when: {team: research}, use: claude}
                    - {when: {key: k-special}, use: claude}
                    - {when: {prompt-tokens-over: 2000}, use: claude}
                    - {when: {last-message-matches: "(?i)\\\\b(prove|theorem)\\\\b"}, use: big}
                    - {when: {keywords: [translate, translation]}, use: mini}
              strict: {router: {candidates: [mini]}}
              fast:
                router: {candidates: [mini, big], prefer: latency, latency-target: 2s}
            """, Path.of("gatehouse.yaml"), Map.of());
    static final RoutingTable ROUTES = RoutingTable.build(CONFIG, Map.of("p", Targets.provider("p")));

    final Targets.TestClock clock = new Targets.TestClock();
    final TargetMonitor health = new TargetMonitor(() -> RoutingConfig.DEFAULTS.circuitBreaker(), clock);
    final AtomicInteger decodes = new AtomicInteger();

    private AutoRouter.Choice choose(String router, Call call, String body) {
        Supplier<ChatRequest> content = () -> {
            decodes.incrementAndGet();
            return OpenAiChatDecoder.decode(Buffer.buffer(body));
        };
        call.requestSize(body.length(), call.maxOutputTokens());
        return AutoRouter.select(ROUTES.find(router), call, ROUTES, content, health, Pricing.shipped());
    }

    private static Call call() {
        return Targets.call("auto", false);
    }

    private static String text(String text) {
        return "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":" + quote(text) + "}]}";
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String IMAGE = """
            {"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
             {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""";
    private static final String TOOLS = """
            {"model":"auto","messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{}}}}]}""";
    private static final String SCHEMA = """
            {"model":"auto","messages":[{"role":"user","content":"A colour"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"c","schema":{"type":"object"}}}}""";

    @Test
    void headerRuleDoesNotDecodeTheBody() {
        Call call = call();
        call.headers().add("X-Task", "Code");
        AutoRouter.Choice choice = choose("auto", call, text("hi"));
        assertThat(choice.model()).isEqualTo("big");
        assertThat(choice.fallbacks()).isEmpty();
        assertThat(choice.reason()).isEqualTo("router=auto; rule=1 (header x-task=code) -> big");
        assertThat(decodes).hasValue(0);
    }

    @Test
    void teamAndKeyRules() {
        Call call = call();
        call.principal(new Principal("u", "test", null, "u", "research", Set.of("member"), null));
        assertThat(choose("auto", call, text("hi")).reason()).isEqualTo("router=auto; rule=2 (team research) -> claude");
        assertThat(decodes).hasValue(0);

        Call keyed = call();
        keyed.principal(new Principal("u", "virtual-key", "k-special", "u", "other", Set.of("member"), null));
        assertThat(choose("auto", keyed, text("hi")).reason()).isEqualTo("router=auto; rule=3 (key k-special) -> claude");
    }

    @Test
    void promptLengthRuleCountsTokensWithO200k() {
        String longPrompt = "hello ".repeat(3000);
        AutoRouter.Facts facts = new AutoRouter.Facts(call(), () -> OpenAiChatDecoder.decode(Buffer.buffer(text(longPrompt))));
        // "hello" and " hello" are one token each in o200k_base, plus a few for message framing.
        assertThat(facts.promptTokens()).isBetween(3000L, 3020L);
        assertThat(choose("auto", call(), text(longPrompt)).reason())
                .isEqualTo("router=auto; rule=4 (prompt-tokens-over 2000) -> claude");
        assertThat(choose("auto", call(), text("hello ".repeat(1500))).reason()).doesNotContain("rule=");
    }

    @Test
    void regexRuleOnTheLastMessage() {
        assertThat(choose("auto", call(), text("Can you PROVE this theorem?")).model()).isEqualTo("big");
        assertThat(choose("auto", call(), text("Can you PROVE this theorem?")).reason()).contains("rule=5 (last-message-matches)");
        assertThat(choose("auto", call(), text("improve my essay")).reason()).doesNotContain("rule=");
        // Only the last message counts.
        String earlier = """
                {"model":"auto","messages":[{"role":"user","content":"prove it"},{"role":"assistant","content":"ok"},
                 {"role":"user","content":"thanks"}]}""";
        assertThat(choose("auto", call(), earlier).reason()).doesNotContain("rule=");
    }

    @Test
    void keywordRuleMatchesWholeWordsIgnoringCase() {
        assertThat(choose("auto", call(), text("Please TRANSLATE this into French")).reason())
                .isEqualTo("router=auto; rule=6 (keywords) -> mini");
        assertThat(choose("auto", call(), text("an untranslatable pun")).reason()).doesNotContain("rule=");
    }

    @Test
    void withoutRulesTheCheapestQualifyingCandidateServesAndTheRestFallBack() {
        AutoRouter.Choice choice = choose("auto", call(), text("hi"));
        assertThat(choice.model()).isEqualTo("mini");
        assertThat(choice.fallbacks()).containsExactly("big", "claude"); // 2.50/10 before 3/15 per million
        assertThat(choice.reason()).startsWith("router=auto; capabilities=none; prompt-tokens=")
                .endsWith("; chose=mini (cheapest qualifying)");
    }

    @Test
    void imageNeedsVision() {
        AutoRouter.Choice choice = choose("auto", call(), IMAGE);
        assertThat(choice.model()).isEqualTo("big");
        assertThat(choice.fallbacks()).containsExactly("claude");
        assertThat(choice.reason()).contains("capabilities=vision;", "chose=big (cheapest qualifying)", "not-qualifying=mini (no vision)");
    }

    @Test
    void toolsSkipACandidateWithoutTools() {
        AutoRouter.Choice choice = choose("auto", call(), TOOLS);
        assertThat(choice.model()).isEqualTo("mini");
        assertThat(choice.fallbacks()).containsExactly("big");
        assertThat(choice.reason()).contains("capabilities=tools;", "not-qualifying=claude (no tools)");
    }

    @Test
    void jsonSchemaNeedsJsonSchema() {
        AutoRouter.Choice choice = choose("auto", call(), SCHEMA);
        assertThat(choice.fallbacks()).doesNotContain("claude");
        assertThat(choice.reason()).contains("capabilities=json-schema;", "claude (no json-schema)");
    }

    @Test
    void theContextWindowMustHoldThePromptAndMaxTokens() {
        // ~600 prompt tokens fit mini's 1000-token window, but not with 500 more for the answer.
        String body = "{\"model\":\"auto\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":"
                + quote("hello ".repeat(600)) + "}]}";
        Call call = call();
        call.requestSize(body.length(), 500);
        AutoRouter.Choice choice = choose("auto", call, body);
        assertThat(choice.model()).isEqualTo("big");
        assertThat(choice.reason()).containsPattern("mini \\(context window 1000 < 11\\d\\d tokens needed\\)");
        assertThat(choose("auto", call(), text("hello ".repeat(600))).model()).isEqualTo("mini");
    }

    @Test
    void noQualifyingCandidateIsA400NamingWhatIsMissing() {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> choose("strict", call(), IMAGE));
        assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(e.getMessage()).startsWith("No candidate of the router model 'strict' can serve this request (needs capabilities: vision; ")
                .contains("mini (no vision)");
        String tooLong = text("hello ".repeat(1200));
        assertThat(catchThrowableOfType(GatewayException.class, () -> choose("strict", call(), tooLong)).getMessage())
                .contains("mini (context window 1000 < 12");
    }

    @Test
    void builtInCapabilitiesByModelName() {
        assertThat(ROUTES.find("defaults").capabilities()).containsExactlyInAnyOrder("vision", "tools", "json-schema");
        assertThat(Capabilities.builtIn("claude-sonnet-4-5")).containsExactlyInAnyOrder("vision", "tools");
        assertThat(Capabilities.builtIn("o1-mini")).isEmpty();
        assertThat(Capabilities.builtIn("my-local-llama")).isNull();
    }

    @Test
    void latencyPreferenceAndTarget() {
        Target mini = ROUTES.find("mini").targets().getFirst();
        Target big = ROUTES.find("big").targets().getFirst();
        for (int i = 0; i < 5; i++) {
            health.started(mini);
            health.finished(mini, TargetHealth.Outcome.SUCCESS, Duration.ofMillis(900).toNanos(), Duration.ofMillis(1500).toNanos(), 10);
            health.started(big);
            health.finished(big, TargetHealth.Outcome.SUCCESS, Duration.ofMillis(300).toNanos(), Duration.ofMillis(800).toNanos(), 10);
        }
        Call call = Targets.call("fast", false);
        AutoRouter.Choice choice = choose("fast", call, text("hi"));
        assertThat(choice.model()).isEqualTo("big");
        assertThat(choice.fallbacks()).containsExactly("mini");
        assertThat(choice.reason()).contains("chose=big (fastest qualifying)");

        for (int i = 0; i < 20; i++) {
            health.started(big);
            health.finished(big, TargetHealth.Outcome.SUCCESS, Duration.ofSeconds(2).toNanos(), Duration.ofSeconds(5).toNanos(), 10);
        }
        AutoRouter.Choice slow = choose("fast", Targets.call("fast", false), text("hi"));
        assertThat(slow.model()).isEqualTo("mini");
        assertThat(slow.fallbacks()).isEmpty();
        assertThat(slow.reason()).containsPattern("big \\(latency \\d+ms > target 2000ms\\)");
    }

    @Test
    void aRouterNeverWidensWhatTheCallerMayUse() {
        AccessRules noMini = new AccessRules() {
            @Override
            public Denial checkModel(String model) {
                return model.equals("mini") || model.equals("claude") ? new Denial("no-cheap", "not for you") : null;
            }

            @Override
            public Denial checkRequest(String endpoint, String model, String provider, Integer maxTokens) {
                return checkModel(model);
            }
        };
        Call call = call();
        call.principal(new Principal("u", "test", null, "u", "research", Set.of("member"), noMini));
        AutoRouter.Choice choice = choose("auto", call, text("hi"));
        // The team rule names claude, which this caller may not use: skipped, and so is mini.
        assertThat(choice.model()).isEqualTo("big");
        assertThat(choice.fallbacks()).isEmpty();
        assertThat(choice.reason()).contains("rule=2 skipped (claude not allowed)", "mini (not allowed)", "claude (not allowed)");
    }

    /** A huge prompt is estimated from its size, never tokenized on the event loop. */
    @Test
    void promptTokensAreCountedExactlyOnlyUpToABound() {
        assertThat(AutoRouter.countsExactly(10_000)).isTrue();
        assertThat(AutoRouter.countsExactly(AutoRouter.EXACT_COUNT_MAX_BYTES)).isTrue();
        assertThat(AutoRouter.countsExactly(10L * 1024 * 1024)).isFalse();
    }
}

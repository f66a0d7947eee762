package dev.gatehouse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Providers' prompt caching survives every translation: Anthropic {@code cache_control}
 * breakpoints reach an Anthropic upstream from either caller format (system prompt included),
 * OpenAI's {@code prompt_cache_key} reaches OpenAI and is dropped (not refused) where the provider
 * has no such key, and cache reads and writes are reported in each caller's usage and priced.
 */
class PromptCachingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static FakeGemini gemini;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        openAi = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        gateway = GatewayHarness.start("""
                providers:
                  openai: {kind: openai, base-url: "%s", api-key: %s}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                  google: {kind: gemini, base-url: "%s", api-key: %s}
                models:
                  oa:
                    targets: [{provider: openai, model: gpt-4o}]
                  an:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                  ge:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                """.formatted(openAi.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                gemini.baseUrl(), FakeGemini.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        openAi.close();
        anthropic.close();
        gemini.close();
    }

    @BeforeEach
    void reset() {
        openAi.reset();
        anthropic.reset();
    }

    static final String LONG_CONTEXT = "You answer questions about this long manual. ".repeat(20);

    @Test
    void anthropicCacheControlPassesThroughUntouched() throws Exception {
        String body = """
                {"model":"an","max_tokens":50,
                 "system":[{"type":"text","text":"%s","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}
                """.formatted(LONG_CONTEXT);
        assertThat(gateway.post("/v1/messages", body).statusCode()).isEqualTo(200);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.at("/system/0/cache_control/type").asText()).isEqualTo("ephemeral");
        assertThat(sent.at("/messages/0/content/0/cache_control/ttl").asText()).isEqualTo("1h");
    }

    @Test
    void openAiCallersCacheControlBreakpointsReachAnthropic() throws Exception {
        String body = """
                {"model":"an","messages":[
                  {"role":"system","content":[{"type":"text","text":"%s","cache_control":{"type":"ephemeral"}}]},
                  {"role":"user","content":[{"type":"text","text":"first question"},
                                            {"type":"text","text":"second","cache_control":{"type":"ephemeral"}}]}]}
                """.formatted(LONG_CONTEXT);
        HttpResponse<String> r = gateway.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.at("/system/0/text").asText()).isEqualTo(LONG_CONTEXT);
        assertThat(sent.at("/system/0/cache_control/type").asText()).isEqualTo("ephemeral");
        assertThat(sent.at("/messages/0/content/0").has("cache_control")).isFalse();
        assertThat(sent.at("/messages/0/content/1/cache_control/type").asText()).isEqualTo("ephemeral");
        // Without a breakpoint the system prompt stays the plain string it always was.
        gateway.post("/v1/chat/completions", """
                {"model":"an","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}""");
        assertThat(anthropic.lastRequest().json().get("system").isTextual()).isTrue();
    }

    @Test
    void promptCacheKeyReachesOpenAiAndIsDroppedWhereNoProviderKeyExists() {
        String body = """
                {"model":"%s","prompt_cache_key":"tenant-42-manual","messages":[{"role":"user","content":"hi"}]}""";
        assertThat(gateway.post("/v1/chat/completions", body.formatted("oa")).statusCode()).isEqualTo(200);
        assertThat(openAi.lastRequest().json().path("prompt_cache_key").asText()).isEqualTo("tenant-42-manual");
        HttpResponse<String> toClaude = gateway.post("/v1/chat/completions", body.formatted("an"));
        assertThat(toClaude.statusCode()).as(toClaude.body()).isEqualTo(200);
        assertThat(anthropic.lastRequest().json().has("prompt_cache_key")).isFalse();
        HttpResponse<String> toGemini = gateway.post("/v1/chat/completions", body.formatted("ge"));
        assertThat(toGemini.statusCode()).as(toGemini.body()).isEqualTo(200);
    }

    @Test
    void cacheReadsAndWritesAreReportedToEachCallerAndPriced() throws Exception {
        anthropic.usage(100, 800, 300); // uncached input, cache reads, cache writes
        // OpenAI caller of Anthropic: prompt_tokens is the whole prompt, cached_tokens the cache reads.
        HttpResponse<String> oa = gateway.post("/v1/chat/completions",
                "{\"model\":\"an\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode usage = JSON.readTree(oa.body()).get("usage");
        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(1200);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(800);
        // Anthropic caller (passthrough): Anthropic's own three counts.
        HttpResponse<String> an = gateway.post("/v1/messages",
                "{\"model\":\"an\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode anUsage = JSON.readTree(an.body()).get("usage");
        assertThat(anUsage.get("input_tokens").asLong()).isEqualTo(100);
        assertThat(anUsage.get("cache_read_input_tokens").asLong()).isEqualTo(800);
        assertThat(anUsage.get("cache_creation_input_tokens").asLong()).isEqualTo(300);
        // Anthropic caller of OpenAI: OpenAI's cached tokens become cache reads, the rest uncached input.
        openAi.usage(1000, 20, 600, 0);
        JsonNode fromOpenAi = JSON.readTree(gateway.post("/v1/messages",
                "{\"model\":\"oa\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body()).get("usage");
        assertThat(fromOpenAi.get("cache_read_input_tokens").asLong()).isEqualTo(600);
        assertThat(fromOpenAi.get("input_tokens").asLong()).isEqualTo(400);

        // Priced at the cache rates: the request log holds both counts and the cost they make.
        RequestLogStore store = gateway.gatehouse().requestLogging().store();
        RequestRecord record = await(store, oa.headers().firstValue("x-request-id").orElseThrow());
        assertThat(record.inputTokens()).isEqualTo(1200);
        assertThat(record.cachedTokens()).isEqualTo(800);
        assertThat(record.cacheWriteTokens()).isEqualTo(300);
        Pricing pricing = Pricing.shipped();
        Usage u = new Usage(1200, record.outputTokens(), 800, 300, 0);
        assertThat(record.costMicros()).isEqualTo(Pricing.cost(pricing.price("claude-sonnet-4-5"), u));
        assertThat(record.costMicros()).isLessThan(Pricing.cost(pricing.price("claude-sonnet-4-5"), Usage.of(1200, record.outputTokens())));
    }

    static RequestRecord await(RequestLogStore store, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store.find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }
}

package dev.gatehouse.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What clients see of a translation, on every path: each caller format (OpenAI, Anthropic) against
 * each upstream format (OpenAI, Anthropic, Gemini), whole and streamed.
 */
class TranslationFidelityTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] MODELS = {"oa", "an", "ge"};
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
                routing:
                  retries: {same-target: 0}
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
        gemini.answer("Hello there.");
        // upstream answers carry fields only their own format defines
        openAi.extraResponseField("system_fingerprint", "fp_test").extraResponseField("service_tier", "default");
        anthropic.anthropicOnlyFields(true);
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** The answer's JSON objects: the body, or each data event of a stream. */
    static List<JsonNode> call(String path, String model, boolean stream) {
        String body = path.equals("/v1/messages")
                ? "{\"model\":\"" + model + "\",\"max_tokens\":100,\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"
                : "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        HttpResponse<String> r = gateway.post(path, body);
        assertThat(r.statusCode()).as(path + " " + model + " stream=" + stream + ": " + r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        if (!stream) {
            out.add(json(r.body()));
            return out;
        }
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(json(line.substring(6)));
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    /** Every field name anywhere in the answer's objects (top level and message_start's message, message_delta's delta). */
    static List<String> topLevelFields(List<JsonNode> objects) {
        List<String> names = new ArrayList<>();
        for (JsonNode o : objects) {
            o.fieldNames().forEachRemaining(names::add);
            o.path("message").fieldNames().forEachRemaining(names::add);
            o.path("delta").fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    @Test
    void fieldsTheCallersFormatDoesNotDefineDoNotLeakAcrossATranslation() {
        for (boolean stream : new boolean[] {false, true}) {
            String how = " stream=" + stream;
            // OpenAI callers
            assertThat(topLevelFields(call("/v1/chat/completions", "an", stream))).as("anthropic->openai" + how)
                    .doesNotContain("container", "stop_details", "stop_sequence", "type", "role", "content");
            assertThat(topLevelFields(call("/v1/chat/completions", "ge", stream))).as("gemini->openai" + how)
                    .doesNotContain("usageMetadata", "modelVersion", "responseId", "candidates");
            // Anthropic callers
            assertThat(topLevelFields(call("/v1/messages", "oa", stream))).as("openai->anthropic" + how)
                    .doesNotContain("system_fingerprint", "service_tier", "object", "choices", "created");
            assertThat(topLevelFields(call("/v1/messages", "ge", stream))).as("gemini->anthropic" + how)
                    .doesNotContain("usageMetadata", "modelVersion", "responseId", "candidates");
        }
        // same-format passthrough keeps them
        assertThat(topLevelFields(call("/v1/chat/completions", "oa", false))).contains("system_fingerprint", "service_tier");
        assertThat(topLevelFields(call("/v1/messages", "an", false))).contains("container", "stop_details");
        assertThat(topLevelFields(call("/v1/messages", "an", true))).contains("container", "stop_details");
    }

    /** One rule on every path (docs/api.md): the answer names the model the upstream reports. */
    @Test
    void theAnswersModelIsTheUpstreamsOnEveryPath() {
        openAi.responseModel("gpt-4o-2024-08-06"); // OpenAI answers with a dated snapshot of the model asked
        String[] upstream = {"gpt-4o-2024-08-06", "claude-sonnet-4-5", "gemini-2.5-flash"};
        for (String path : new String[] {"/v1/chat/completions", "/v1/messages"}) {
            for (int m = 0; m < MODELS.length; m++) {
                for (boolean stream : new boolean[] {false, true}) {
                    List<String> shown = new ArrayList<>();
                    for (JsonNode o : call(path, MODELS[m], stream)) {
                        JsonNode model = o.has("model") ? o.get("model") : o.path("message").get("model");
                        if (model != null) {
                            shown.add(model.asText());
                        }
                    }
                    assertThat(shown).as(path + " " + MODELS[m] + " stream=" + stream).isNotEmpty().containsOnly(upstream[m]);
                }
            }
        }
    }
}

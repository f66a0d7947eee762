package dev.gatehouse.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.gatehouse.conformance.Callers.Caller;
import dev.gatehouse.conformance.Conversation.AssistantCalls;
import dev.gatehouse.conformance.Conversation.AssistantText;
import dev.gatehouse.conformance.Conversation.Call;
import dev.gatehouse.conformance.Conversation.CallerError;
import dev.gatehouse.conformance.Conversation.Finish;
import dev.gatehouse.conformance.Conversation.Result;
import dev.gatehouse.conformance.Conversation.Spec;
import dev.gatehouse.conformance.Conversation.ToolResult;
import dev.gatehouse.conformance.Conversation.UserText;
import dev.gatehouse.conformance.Upstreams.Upstream;
import dev.gatehouse.provider.http.ImageFetcher;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeBedrock;
import dev.gatehouse.testing.FakeCohere;
import dev.gatehouse.testing.FakeMistral;
import dev.gatehouse.testing.FakeVertex;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance matrix of issue 3: caller format (openai-java SDK → {@code /v1}, anthropic-java
 * SDK → {@code /v1/messages}) × upstream format (strict fakes of OpenAI, Anthropic, Gemini) ×
 * {non-stream, stream} × scenario. Every cell asserts what the user notices (content, finish
 * reason, tool calls and ids, usage equal to what the fake reported, errors) and that the fake
 * received a request valid for its API (the fakes refuse anything else) with the key fields
 * translated. A full run rewrites {@code docs/compatibility.md} (see {@link CompatibilityDoc}).
 *
 * <p>Outcomes: a cell passes; or it is an {@link #EXPECTED_REFUSALS expected refusal} (a feature
 * one side lacks), asserted as a 400 naming the feature and the model with nothing sent upstream;
 * or it is a {@link #KNOWN_GAPS known gap}, which must still fail the way it is described (a gap
 * that starts passing fails the build, so the list cannot go stale).
 */
class ConformanceMatrixTest {
    static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
    static final String DATA_URL = "data:image/png;base64," + Base64.getEncoder().encodeToString(PNG);

    enum Scenario {
        TEXT("text"), SYSTEM("system prompt"), MULTI_TURN("multi-turn"), TOOLS_ROUND_TRIP("tools round trip"),
        PARALLEL_TOOLS("parallel tool calls"), IMAGE("image (data + http URL)"), JSON_SCHEMA("JSON schema output"),
        STOP_SEQUENCES("stop sequences"), MAX_TOKENS("max tokens reached"), UPSTREAM_ERROR("upstream error (429, 400)");

        final String title;

        Scenario(String title) {
            this.title = title;
        }
    }

    /** Cells that are a genuine limitation: key → the feature word the 400 must name. None so far. */
    static final Map<String, String> EXPECTED_REFUSALS = Map.of();

    /** Cells that fail today for an explained reason: key → why. Keys are {@link #key}. */
    static final Map<String, String> KNOWN_GAPS = responsesHaveNoStop();

    /** OpenAI's Responses API has no stop sequences, so a Responses caller cannot ask for them (its 400 names 'stop'). */
    private static Map<String, String> responsesHaveNoStop() {
        Map<String, String> gaps = new java.util.LinkedHashMap<>();
        for (String up : List.of("openai", "anthropic", "gemini", "bedrock", "vertex-gemini", "vertex-anthropic", "mistral", "cohere")) {
            for (String mode : List.of("non-stream", "stream")) {
                gaps.put("responses→" + up + "/" + mode + "/stop_sequences", "the Responses API has no stop sequences");
            }
        }
        return gaps;
    }

    static FakeOpenAi openAiFake;
    static FakeAnthropic anthropicFake;
    static FakeGemini geminiFake;
    static FakeBedrock bedrockFake;
    static FakeVertex vertexFake;
    static FakeMistral mistralFake;
    static FakeCohere cohereFake;
    static Path vertexKey;
    static Vertx vertx;
    static HttpServer images;
    static GatewayHarness gateway;
    static List<Caller> callers;
    static List<Upstream> upstreams;
    static final Map<String, CompatibilityDoc.Outcome> outcomes = new LinkedHashMap<>();
    static List<TtftProbe.Row> ttft;

    @BeforeAll
    static void start() throws Exception {
        // Test-only: the image server listens on 127.0.0.1, which the gateway's fetcher refuses in production.
        System.setProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY, "true");
        vertx = Vertx.vertx();
        images = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/cat.png")) req.response().putHeader("content-type", "image/png").end(Buffer.buffer(PNG));
            else req.response().setStatusCode(404).end();
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        openAiFake = FakeOpenAi.start();
        anthropicFake = FakeAnthropic.start();
        geminiFake = FakeGemini.start();
        bedrockFake = FakeBedrock.start();
        vertexFake = FakeVertex.start(geminiFake, anthropicFake);
        mistralFake = FakeMistral.start();
        cohereFake = FakeCohere.start();
        vertexKey = Files.createTempFile("vertex-sa", ".json");
        Files.writeString(vertexKey, vertexFake.serviceAccountJson());
        gateway = GatewayHarness.start("""
                providers:
                  oai: {kind: openai, base-url: "%s", api-key: %s}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                  google: {kind: gemini, base-url: "%s", api-key: %s}
                  aws: {kind: bedrock, region: us-east-1, base-url: "%s", access-key-id: %s, secret-access-key: "%s"}
                  gcp: {kind: vertex, project: %s, region: %s, base-url: "%s", credentials-file: "%s"}
                  gcp-claude: {kind: vertex-anthropic, project: %s, region: %s, base-url: "%s", credentials-file: "%s"}
                  mistral: {kind: mistral, base-url: "%s", api-key: %s}
                  cohere: {kind: cohere, base-url: "%s", api-key: %s}
                models:
                  m-mistral:
                    targets: [{provider: mistral, model: mistral-large-latest}]
                  m-cohere:
                    targets: [{provider: cohere, model: command-a-03-2025}]
                  m-bedrock:
                    targets: [{provider: aws, model: "anthropic.claude-sonnet-4-5-20250929-v1:0"}]
                  m-vertex-gemini:
                    targets: [{provider: gcp, model: gemini-2.5-flash}]
                  m-vertex-claude:
                    targets: [{provider: gcp-claude, model: "claude-sonnet-4-5@20250929"}]
                  m-openai:
                    targets: [{provider: oai, model: gpt-4o}]
                  m-anthropic:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                  m-gemini:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                """.formatted(openAiFake.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropicFake.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                geminiFake.baseUrl(), FakeGemini.DEFAULT_KEY, bedrockFake.baseUrl(), FakeBedrock.ACCESS_KEY, FakeBedrock.SECRET_KEY,
                FakeVertex.PROJECT, FakeVertex.REGION, vertexFake.baseUrl(), vertexKey,
                FakeVertex.PROJECT, FakeVertex.REGION, vertexFake.baseUrl(), vertexKey,
                mistralFake.baseUrl(), FakeMistral.KEY, cohereFake.baseUrl(), FakeCohere.KEY));
        callers = List.of(new Callers.OpenAi(gateway.baseUrl(), GatewayHarness.MASTER_KEY),
                new Callers.Anthropic(gateway.origin(), GatewayHarness.MASTER_KEY),
                new Callers.Responses(gateway.baseUrl(), GatewayHarness.MASTER_KEY));
        upstreams = List.of(new Upstreams.OpenAi(openAiFake), new Upstreams.Anthropic(anthropicFake), new Upstreams.Gemini(geminiFake),
                new Upstreams.Bedrock(bedrockFake), new Upstreams.VertexGemini(geminiFake), new Upstreams.VertexAnthropic(anthropicFake),
                new Upstreams.Mistral(mistralFake), new Upstreams.Cohere(cohereFake));
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty(ImageFetcher.ALLOW_LOOPBACK_PROPERTY);
        try {
            int total = Scenario.values().length * callers.size() * upstreams.size() * 2;
            // Only a complete run may rewrite the document: a -Dtest=…#one-method run must not clobber it.
            if (outcomes.size() == total && ttft != null) {
                CompatibilityDoc.write(outcomes, ttft, Scenario.values(), callers, upstreams);
            }
        } finally {
            gateway.close();
            openAiFake.close();
            anthropicFake.close();
            geminiFake.close();
            vertexFake.close();
            bedrockFake.close();
            mistralFake.close();
            cohereFake.close();
            Files.deleteIfExists(vertexKey);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    static String key(String caller, String upstream, boolean stream, Scenario s) {
        return caller + "→" + upstream + "/" + (stream ? "stream" : "non-stream") + "/" + s.name().toLowerCase();
    }

    @TestFactory
    Stream<DynamicNode> matrix() {
        List<DynamicNode> scenarios = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            List<DynamicNode> cells = new ArrayList<>();
            for (Caller caller : callers) {
                for (Upstream up : upstreams) {
                    for (boolean stream : new boolean[] {false, true}) {
                        String key = key(caller.name(), up.name(), stream, s);
                        cells.add(DynamicTest.dynamicTest(key, () -> runCell(key, caller, up, stream, s)));
                    }
                }
            }
            scenarios.add(DynamicContainer.dynamicContainer(s.title, cells));
        }
        return scenarios.stream();
    }

    @Test
    void timeToFirstToken() throws Exception {
        ttft = TtftProbe.measure(gateway, openAiFake, anthropicFake, geminiFake, 15);
        assertThat(ttft).hasSize(6); // a measurement, not a timed assertion
    }

    private static void runCell(String key, Caller caller, Upstream up, boolean stream, Scenario s) {
        for (Upstream u : upstreams) u.reset();
        String gap = KNOWN_GAPS.get(key);
        String refusal = EXPECTED_REFUSALS.get(key);
        try {
            if (refusal != null) {
                assertRefused(caller, up, stream, s, refusal);
                outcomes.put(key, CompatibilityDoc.Outcome.refused(refusal));
                return;
            }
            if (gap != null) {
                Throwable t = catchThrowable(() -> scenario(caller, up, stream, s));
                assertThat(t).as("known gap '%s' no longer fails: remove it from KNOWN_GAPS", gap).isNotNull();
                outcomes.put(key, CompatibilityDoc.Outcome.gap(gap));
                return;
            }
            scenario(caller, up, stream, s);
            outcomes.put(key, CompatibilityDoc.Outcome.PASS);
        } catch (Throwable t) {
            outcomes.put(key, CompatibilityDoc.Outcome.fail(String.valueOf(t.getMessage()).lines().findFirst().orElse("")));
            throw t;
        }
    }

    /** A genuine limitation: a 400 naming the feature and the model, and nothing sent upstream. */
    private static void assertRefused(Caller caller, Upstream up, boolean stream, Scenario s, String feature) {
        int before = up.requests().size();
        Throwable t = catchThrowable(() -> scenario(caller, up, stream, s));
        assertThat(t).isInstanceOf(CallerError.class);
        CallerError e = (CallerError) t;
        assertThat(e.status).isEqualTo(400);
        assertThat(e.getMessage()).contains(feature).contains(up.model());
        assertThat(up.requests()).hasSize(before);
    }

    // ------------------------------------------------------------------ scenarios

    private static void scenario(Caller caller, Upstream up, boolean stream, Scenario s) {
        String model = up.model();
        switch (s) {
            case TEXT -> {
                String answer = "Hello there, friend.";
                up.answerText(answer);
                Spec spec = new Spec(model, List.of(new UserText("Say hello.")));
                Result r = caller.send(spec, stream);
                assertAnswer(r, up, answer, Finish.STOP, stream);
                checkUpstream(up, spec, stream, 1);
            }
            case SYSTEM -> {
                String answer = "Terse reply.";
                up.answerText(answer);
                Spec spec = new Spec(model, List.of(new UserText("Hi"))).withSystem("You are terse. Answer in two words.");
                assertAnswer(caller.send(spec, stream), up, answer, Finish.STOP, stream);
                checkUpstream(up, spec, stream, 1);
            }
            case MULTI_TURN -> {
                String answer = "Your name is Ada.";
                up.answerText(answer);
                Spec spec = new Spec(model, List.of(new UserText("My name is Ada."), new AssistantText("Nice to meet you, Ada."),
                        new UserText("What is my name?"))).withSystem("Remember names.");
                assertAnswer(caller.send(spec, stream), up, answer, Finish.STOP, stream);
                checkUpstream(up, spec, stream, 1);
                assertThat(roles(up, up.last())).containsExactly("user", "assistant", "user");
            }
            case TOOLS_ROUND_TRIP -> toolsRoundTrip(caller, up, stream, List.of(new Call(providerId(up, "paris"), "get_weather", "{\"city\":\"Paris\"}")));
            case PARALLEL_TOOLS -> toolsRoundTrip(caller, up, stream, List.of(
                    new Call(providerId(up, "paris"), "get_weather", "{\"city\":\"Paris\"}"),
                    new Call(providerId(up, "oslo"), "get_weather", "{\"city\":\"Oslo\"}")));
            case IMAGE -> {
                String answer = "Two tiny cats.";
                up.answerText(answer);
                String httpUrl = "http://127.0.0.1:" + images.actualPort() + "/cat.png";
                Spec spec = new Spec(model, List.of(new UserText("What is in these images?", List.of(DATA_URL, httpUrl))));
                assertAnswer(caller.send(spec, stream), up, answer, Finish.STOP, stream);
                checkUpstream(up, spec, stream, 1);
                if (up instanceof Upstreams.Gemini) {
                    // the http image was fetched by the gateway and inlined as the same bytes
                    var parts = up.last().json().path("contents").path(0).path("parts");
                    assertThat(Base64.getDecoder().decode(parts.path(2).path("inlineData").path("data").asText())).isEqualTo(PNG);
                }
            }
            case JSON_SCHEMA -> {
                String json = "{\"city\":\"Paris\",\"temp\":21}";
                up.answerJson(json, caller.name().equals(up.format()));
                Spec spec = new Spec(model, List.of(new UserText("Weather in Paris as JSON."))).withJsonSchema();
                Result r = caller.send(spec, stream);
                assertThat(Conversation.json(r.text())).as("structured output text").isEqualTo(Conversation.json(json));
                assertThat(r.calls()).as("no tool call leaks to the caller").isEmpty();
                assertThat(r.finish()).isEqualTo(Finish.STOP);
                assertUsage(r, up, up.expectedOutput(json, 0, true), stream);
                checkUpstream(up, spec, stream, 1);
            }
            case STOP_SEQUENCES -> {
                String full = "Alpha beta END gamma delta.";
                String cut = "Alpha beta ";
                up.answerStopped(full, cut);
                Spec spec = new Spec(model, List.of(new UserText("Count in Greek."))).withStop("END");
                Result r = caller.send(spec, stream);
                assertAnswer(r, up, cut, Finish.STOP, stream);
                if (up instanceof Upstreams.Anthropic && caller instanceof Callers.Anthropic) {
                    // Anthropic → Anthropic: the provider says which sequence matched; it must survive
                    assertThat(r.rawFinish()).isEqualTo("stop_sequence");
                    assertThat(r.stopSequence()).isEqualTo("END");
                }
                checkUpstream(up, spec, stream, 1);
            }
            case MAX_TOKENS -> {
                String full = "one two three four five six.";
                String cut = "one two three ";
                up.answerTruncated(full, cut);
                Spec spec = new Spec(model, List.of(new UserText("Count."))).withMaxTokens(3);
                assertAnswer(caller.send(spec, stream), up, cut, Finish.LENGTH, stream);
                checkUpstream(up, spec, stream, 1);
            }
            case UPSTREAM_ERROR -> {
                Spec spec = new Spec(model, List.of(new UserText("Hi")));
                String rateMessage = up.failRateLimited();
                CallerError rate = error(() -> caller.send(spec, stream));
                assertThat(rate.status).isEqualTo(429);
                assertThat(rate.getMessage()).contains(rateMessage);
                if (caller instanceof Callers.Anthropic) assertThat(rate.type).isEqualTo("rate_limit_error");
                else assertThat(rate.type).as("OpenAI error type").isNotBlank();
                assertThat(rate.retryAfter).as("Retry-After kept").containsExactly("3");
                String badMessage = up.failBadRequest();
                CallerError bad = error(() -> caller.send(spec, stream));
                assertThat(bad.status).isEqualTo(400);
                assertThat(bad.getMessage()).contains(badMessage);
                assertThat(bad.type).isEqualTo("invalid_request_error"); // the same name in both formats
                checkUpstream(up, spec, stream, 2);
            }
        }
    }

    private static CallerError error(Runnable call) {
        Throwable t = catchThrowable(call::run);
        assertThat(t).as("the caller's SDK raises an API error").isInstanceOf(CallerError.class);
        return (CallerError) t;
    }

    /** The id the provider gives a call: OpenAI call_…, Anthropic toolu_…, Gemini none (the gateway makes one). */
    private static String providerId(Upstream up, String tag) {
        return switch (up.format()) {
            case "openai" -> "call_" + tag + "01";
            case "anthropic" -> "toolu_" + tag + "01";
            case "bedrock" -> "tooluse_" + tag + "01";
            case "mistral" -> (tag + "000000000").substring(0, 9); // Mistral's ids: 9 characters [a-zA-Z0-9]
            case "cohere" -> "get_weather_" + tag + "01";
            default -> "";
        };
    }

    private static void toolsRoundTrip(Caller caller, Upstream up, boolean stream, List<Call> answered) {
        up.answerCalls(answered);
        Spec first = new Spec(up.model(), List.of(new UserText("What's the weather in " + (answered.size() == 1 ? "Paris" : "Paris and Oslo") + "?")))
                .withTools().withSystem("Use tools.");
        Result r = caller.send(first, stream);
        assertThat(r.finish()).as("finish reason (%s)", r.rawFinish()).isEqualTo(Finish.TOOLS);
        assertThat(r.calls()).hasSize(answered.size());
        for (int i = 0; i < answered.size(); i++) {
            Call got = r.calls().get(i);
            assertThat(got.name()).isEqualTo("get_weather");
            assertThat(got.argsJson()).as("arguments of call %d", i).isEqualTo(answered.get(i).argsJson());
            if (up.keepsToolCallIds()) assertThat(got.id()).isEqualTo(answered.get(i).id());
            else assertThat(got.id()).isNotBlank();
        }
        assertThat(new HashSet<>(r.calls().stream().map(Call::id).toList())).as("ids unique").hasSize(answered.size());
        assertUsage(r, up, up.expectedOutput("", answered.size(), false), stream);
        checkUpstream(up, first, stream, 1);

        // the caller runs the tools and sends the results back with the ids it received
        String finalAnswer = "Sunny everywhere.";
        up.reset();
        up.answerText(finalAnswer);
        Spec second = first.plus(new AssistantCalls(r.calls()));
        for (Call c : r.calls()) second = second.plus(new ToolResult(c.id(), "21C in " + c.argsJson().path("city").asText()));
        Result done = caller.send(second, stream);
        assertAnswer(done, up, finalAnswer, Finish.STOP, stream);
        checkUpstream(up, second, stream, 1);
    }

    private static void assertAnswer(Result r, Upstream up, String text, Finish finish, boolean stream) {
        assertThat(r.text()).as("answer text").isEqualTo(text);
        assertThat(r.finish()).as("finish reason (%s)", r.rawFinish()).isEqualTo(finish);
        assertThat(r.calls()).isEmpty();
        assertUsage(r, up, up.expectedOutput(text, 0, false), stream);
    }

    private static void assertUsage(Result r, Upstream up, long output, boolean stream) {
        assertThat(r.usagePresent()).as(stream ? "final usage in the stream" : "usage").isTrue();
        assertThat(r.inputTokens()).as("input tokens as the upstream reported").isEqualTo(up.expectedInput());
        assertThat(r.outputTokens()).as("output tokens as the upstream reported").isEqualTo(output);
    }

    /** The upstream got exactly {@code n} requests for this step, each valid (the fake answered 2xx or the injected error) and translated right. */
    private static void checkUpstream(Upstream up, Spec spec, boolean stream, int n) {
        List<RecordedRequest> all = up.requests();
        assertThat(all).as("requests received by the %s fake", up.name()).hasSize(n);
        for (RecordedRequest r : all) up.checkRequest(spec, stream, r);
    }

    private static List<String> roles(Upstream up, RecordedRequest r) {
        List<String> roles = new ArrayList<>();
        var list = up instanceof Upstreams.Gemini ? r.json().path("contents") : r.json().path("messages");
        for (var m : list) {
            String role = m.path("role").asText();
            if (role.equals("system") || role.equals("developer")) continue;
            roles.add(role.equals("model") ? "assistant" : role);
        }
        return roles;
    }
}

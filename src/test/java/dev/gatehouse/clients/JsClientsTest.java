package dev.gatehouse.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeAnthropic;
import dev.gatehouse.testing.FakeGemini;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript client libraries people use (Vercel AI SDK, LangChain JS, the OpenAI Agents SDK,
 * LlamaIndex) driven through a real gateway whose models are backed by the strict OpenAI,
 * Anthropic and Gemini fakes: plain chat, streaming, a tool round trip, structured output and
 * usage, for each upstream format. The scripts live in src/test/clients and print one JSON line per
 * check; see docs/clients.md.
 *
 * <p>Needs node and npm. Without them the test is skipped, unless {@code -Dgatehouse.require-node=true}
 * (set by {@code .ci/run}) or {@code GATEHOUSE_REQUIRE_NODE=true}, where it fails. {@code npm ci} runs only
 * when node_modules was not installed from the committed package-lock.json.
 */
class JsClientsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The pinned LangChain packages need node 20 (Debian 12's own nodejs is 18: install a newer one). */
    private static final int MIN_NODE = 20;
    private static final Path PROJECT = Path.of("src/test/clients");
    /** The scripts to run; {@code -Dgatehouse.js-clients=ai-sdk.mjs} runs just one (the expected-failure bookkeeping then covers only its checks). */
    private static final List<String> SCRIPTS = List.of(System.getProperty("gatehouse.js-clients",
            "ai-sdk.mjs,langchain.mjs,agents.mjs,llamaindex.mjs").split(","));
    static final String HELLO = "Hello from the gateway test.";
    static final String WEATHER_TEXT = "It is 21 degrees in Paris.";
    static final String WEATHER_JSON = "{\"city\":\"Paris\",\"temp\":21}";
    static final String PARIS = "{\"city\":\"Paris\"}";
    static final String BERLIN = "{\"city\":\"Berlin\"}";

    /**
     * Checks that fail today for a known reason: each asserts the correct behaviour and is expected
     * to fail until its fix lands. Remove an entry when it passes (the test fails on a stale entry).
     * Key: client/check/model.
     */
    static final Map<String, String> EXPECTED_FAILURES = expectedFailures();

    private static Map<String, String> expectedFailures() {
        Map<String, String> m = new LinkedHashMap<>();
        return m;
    }

    private static FakeOpenAi openAi;
    private static FakeAnthropic anthropic;
    private static FakeGemini gemini;
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() {
        openAi = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        openAi.onRequest(JsClientsTest::scriptOpenAi);
        // Fields the real Messages API answers with and the OpenAI format does not define.
        anthropic.onRequest(JsClientsTest::scriptAnthropic)
                .extraField("container", JSON.createObjectNode().put("id", "container_1").put("expires_at", "2026-01-01T00:00:00Z"))
                .extraField("stop_details", JSON.createObjectNode().put("type", "end_turn"));
        gemini.onRequest(JsClientsTest::scriptGemini);
        gateway = GatewayHarness.start("""
                providers:
                  oai: {kind: openai, base-url: "%s", api-key: %s}
                  claude: {kind: anthropic, base-url: "%s", api-key: %s}
                  google: {kind: gemini, base-url: "%s", api-key: %s}
                models:
                  m-openai:
                    targets: [{provider: oai, model: gpt-4o}]
                  m-anthropic:
                    targets: [{provider: claude, model: claude-sonnet-4-5}]
                  m-gemini:
                    targets: [{provider: google, model: gemini-2.5-flash}]
                  e-openai:
                    type: embedding
                    targets: [{provider: oai, model: text-embedding-3-small}]
                  e-gemini:
                    type: embedding
                    targets: [{provider: google, model: gemini-embedding-001}]
                """.formatted(openAi.baseUrl(), FakeOpenAi.DEFAULT_KEY, anthropic.baseUrl(), FakeAnthropic.DEFAULT_KEY,
                gemini.baseUrl(), FakeGemini.DEFAULT_KEY));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (openAi != null) openAi.close();
        if (anthropic != null) anthropic.close();
        if (gemini != null) gemini.close();
    }

    // ------------------------------------------------------------------ what the fakes answer

    /** Arguments the fake model gives a tool: the weather tool gets a city, any other (structured output) the JSON. */
    static String argsFor(String tool) {
        return tool.equals("get_weather") ? PARIS : WEATHER_JSON;
    }

    static boolean mentions(JsonNode json, String marker) {
        return json != null && json.toString().contains(marker);
    }

    static void scriptOpenAi(JsonNode j) {
        openAi.toolCalls().answer(HELLO).usage(12, 7, 0, 0);
        if (j == null) return;
        JsonNode messages = j.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        JsonNode choice = j.path("tool_choice");
        if (last.path("role").asText().equals("tool")) {
            openAi.answer(WEATHER_TEXT);
        } else if (mentions(messages, "[two]") && !j.path("tools").isEmpty()) {
            openAi.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "get_weather", PARIS), new FakeOpenAi.ToolCallSpec("call_2", "get_weather", BERLIN));
        } else if (choice.path("function").has("name")) {
            String name = choice.path("function").path("name").asText();
            openAi.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", name, argsFor(name)));
        } else if (j.path("response_format").path("type").asText().startsWith("json")) {
            openAi.answer(WEATHER_JSON);
        } else if (!j.path("tools").isEmpty() && !choice.asText().equals("none")) {
            String name = toolName(j.path("tools"), t -> t.path("function").path("name").asText());
            openAi.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", name, argsFor(name)));
        }
    }

    static void scriptAnthropic(JsonNode j) {
        anthropic.answer(HELLO).toolUses();
        if (j == null) return;
        JsonNode messages = j.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        boolean toolResult = false;
        for (JsonNode block : last.path("content")) toolResult |= block.path("type").asText().equals("tool_result");
        JsonNode choice = j.path("tool_choice");
        // A sentence before the call, as Claude sometimes writes even when a tool is forced.
        String preamble = mentions(messages, "[preamble]") ? "Here is the weather. " : "";
        if (toolResult) {
            anthropic.answer(WEATHER_TEXT);
        } else if (mentions(messages, "[two]") && !j.path("tools").isEmpty()) {
            anthropic.answer("").toolUses(new FakeAnthropic.ToolUse("toolu_1", "get_weather", PARIS),
                    new FakeAnthropic.ToolUse("toolu_2", "get_weather", BERLIN));
        } else if (choice.path("type").asText().equals("tool")) {
            String name = choice.path("name").asText();
            anthropic.answer(preamble).toolUses(new FakeAnthropic.ToolUse("toolu_1", name, argsFor(name)));
        } else if (j.has("output_format") || j.path("output_config").has("format")) {
            anthropic.answer(WEATHER_JSON);
        } else if (!j.path("tools").isEmpty() && !choice.path("type").asText().equals("none")) {
            String name = toolName(j.path("tools"), t -> t.path("name").asText());
            anthropic.answer(preamble).toolUses(new FakeAnthropic.ToolUse("toolu_1", name, argsFor(name)));
        }
    }

    static void scriptGemini(JsonNode j) {
        gemini.answer(HELLO).usage(11, 0, 0);
        if (j == null) return;
        JsonNode contents = j.path("contents");
        JsonNode last = contents.path(contents.size() - 1);
        boolean toolResult = false;
        for (JsonNode part : last.path("parts")) toolResult |= part.has("functionResponse");
        JsonNode calling = j.path("toolConfig").path("functionCallingConfig");
        JsonNode generation = j.path("generationConfig");
        List<JsonNode> declarations = new ArrayList<>();
        for (JsonNode t : j.path("tools")) for (JsonNode d : t.path("functionDeclarations")) declarations.add(d);
        if (toolResult) {
            gemini.answer(WEATHER_TEXT);
        } else if (mentions(contents, "[two]") && !declarations.isEmpty()) {
            gemini.toolCalls(new FakeGemini.Call("get_weather", PARIS), new FakeGemini.Call("get_weather", BERLIN));
        } else if (calling.path("mode").asText().equals("ANY") && calling.path("allowedFunctionNames").size() == 1) {
            String name = calling.path("allowedFunctionNames").get(0).asText();
            gemini.toolCalls(new FakeGemini.Call(name, argsFor(name)));
        } else if (generation.has("responseSchema") || generation.has("responseJsonSchema")
                || generation.path("responseMimeType").asText().equals("application/json")) {
            gemini.answer(WEATHER_JSON);
        } else if (!declarations.isEmpty() && !calling.path("mode").asText().equals("NONE")) {
            String name = declarations.stream().anyMatch(d -> d.path("name").asText().equals("get_weather"))
                    ? "get_weather" : declarations.getFirst().path("name").asText();
            gemini.toolCalls(new FakeGemini.Call(name, argsFor(name)));
        }
    }

    /** The weather tool when offered, else the first tool (a structured-output tool). */
    static String toolName(JsonNode tools, Function<JsonNode, String> name) {
        for (JsonNode t : tools) if (name.apply(t).equals("get_weather")) return "get_weather";
        return name.apply(tools.get(0));
    }

    // ------------------------------------------------------------------ the run

    record Check(String client, String check, String model, boolean ok, String detail) {
        String key() {
            return client + "/" + check + "/" + model;
        }
    }

    @Test
    void clientLibrariesWorkThroughTheGateway() throws Exception {
        int major = nodeMajor();
        if (major < MIN_NODE || !runs("npm", "--version")) {
            String why = "node " + MIN_NODE + "+ and npm are needed to run the JavaScript client checks (src/test/clients); found "
                    + (major < 0 ? "no node" : "node " + major);
            assertThat(nodeRequired()).as(why + " (gatehouse.require-node=true or GATEHOUSE_REQUIRE_NODE=true, as in CI)").isFalse();
            Assumptions.abort(why + ": skipped");
        }
        installDependencies();
        List<Check> checks = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String script : SCRIPTS) {
            Run run = node(script);
            checks.addAll(run.checks);
            if (run.exit != 0) problems.add(script + " exited with " + run.exit + ": " + run.stderr);
        }
        List<String> passed = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (Check c : checks) {
            String reason = EXPECTED_FAILURES.get(c.key());
            if (c.ok() && reason == null) {
                passed.add(c.key());
            } else if (c.ok()) {
                problems.add("expected to fail but passed (remove it from EXPECTED_FAILURES): " + c.key() + " (" + reason + ")");
            } else if (reason != null) {
                expected.add(c.key() + ": " + reason + " [" + c.detail() + "]");
            } else {
                problems.add("FAILED " + c.key() + ": " + c.detail());
            }
        }
        List<String> seen = checks.stream().map(Check::key).toList();
        for (String key : EXPECTED_FAILURES.keySet()) {
            if (!seen.contains(key) && SCRIPTS.size() == 4) problems.add("expected failure " + key + " was not run");
        }
        System.out.printf("[js-clients] %d passed, %d expected failures, %d problems%n", passed.size(), expected.size(), problems.size());
        passed.forEach(k -> System.out.println("[js-clients] pass     " + k));
        expected.forEach(k -> System.out.println("[js-clients] expected " + k));
        problems.forEach(k -> System.out.println("[js-clients] PROBLEM  " + k));
        assertThat(checks).as("checks reported").isNotEmpty();
        assertThat(problems).as("client checks that failed unexpectedly, or expected failures that now pass").isEmpty();
    }

    record Run(int exit, List<Check> checks, String stderr) {
    }

    private Run node(String script) throws IOException, InterruptedException {
        Path out = Files.createTempFile("js-clients", ".out");
        Path err = Files.createTempFile("js-clients", ".err");
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(PROJECT.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("GATEHOUSE_ORIGIN", gateway.origin());
        pb.environment().put("GATEHOUSE_KEY", GatewayHarness.MASTER_KEY);
        pb.environment().put("OPENAI_AGENTS_DISABLE_TRACING", "1");
        Process p = pb.start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        int exit = p.isAlive() ? -1 : p.exitValue();
        List<Check> checks = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            if (!line.startsWith("{\"client\"")) continue;
            JsonNode n = JSON.readTree(line);
            checks.add(new Check(n.path("client").asText(), n.path("check").asText(), n.path("model").asText(),
                    n.path("ok").asBoolean(), n.path("detail").asText()));
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return new Run(exit, checks, stderr.length() > 2000 ? stderr.substring(0, 2000) : stderr);
    }

    /** CI sets this so a machine without node fails instead of quietly skipping the checks. */
    private static boolean nodeRequired() {
        return Boolean.getBoolean("gatehouse.require-node") || "true".equalsIgnoreCase(System.getenv("GATEHOUSE_REQUIRE_NODE"));
    }

    /** The major version of {@code node} on the PATH, or -1. */
    private static int nodeMajor() {
        try {
            Process p = new ProcessBuilder("node", "-p", "process.versions.node.split('.')[0]").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("\\d+") ? Integer.parseInt(out) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code npm ci}, skipped when node_modules was installed from this very lock file. */
    private static void installDependencies() throws IOException, InterruptedException {
        String lock = sha256(Files.readAllBytes(PROJECT.resolve("package-lock.json")));
        Path stamp = PROJECT.resolve("node_modules/.gatehouse-lock-sha256");
        if (Files.exists(stamp) && Files.readString(stamp).strip().equals(lock)) return;
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts").directory(PROJECT.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("npm ci took more than 300 s");
        }
        assertThat(p.exitValue()).as("npm ci in " + PROJECT).isZero();
        Files.writeString(stamp, lock);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

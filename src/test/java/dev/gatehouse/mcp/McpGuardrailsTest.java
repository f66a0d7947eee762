package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import dev.gatehouse.usage.RequestRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Guardrails on MCP tool traffic, on {@code /mcp} and in the agent tool loop: a tool call's
 * arguments pass the input guardrails, its result the output ones, with block, mask, flag and
 * fail-closed {@code on-error}; a guardrail is attached to a tool by its namespaced name. The same
 * upstream server is configured under several names so that each name gets its own guardrail.
 */
class McpGuardrailsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String AWS = "AKIAIOSFODNN7EXAMPLE";
    static final String EMAIL = "jane.doe@example.com";

    static McpTestServer upstream;
    static FakeOpenAi openai;
    static GatewayHarness gateway;
    static String config;
    static ListAppender<ILoggingEvent> logs;
    static io.vertx.core.Vertx vertx;
    /** The stages and texts the output webhook was asked about. */
    static final List<JsonNode> hookCalls = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        upstream = McpTestServer.start();
        openai = FakeOpenAi.start();
        String url = upstream.streamableUrl();
        vertx = io.vertx.core.Vertx.vertx();
        // A DLP service that refuses any text naming the project.
        int hookPort = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            try {
                hookCalls.add(JSON.readTree(body.getBytes()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            req.response().end(body.toString().contains("zebrafalcon")
                    ? "{\"action\":\"block\",\"reason\":\"it names the project\"}" : "{\"action\":\"allow\"}");
        })).listen(0, "127.0.0.1").await().actualPort();
        config = """
                providers:
                  oa: {kind: openai, base-url: "%1$s", api-key: %2$s}
                models:
                  gpt-4o: {targets: [{provider: oa}]}
                mcp:
                  servers:
                    blocking: {transport: streamable-http, url: "%3$s"}
                    outblock: {transport: streamable-http, url: "%3$s"}
                    masking: {transport: streamable-http, url: "%3$s"}
                    flagging: {transport: streamable-http, url: "%3$s"}
                    down: {transport: streamable-http, url: "%3$s"}
                    plain: {transport: streamable-http, url: "%3$s"}
                    judged: {transport: streamable-http, url: "%3$s"}
                guardrails:
                  secrets-block:
                    type: secrets
                    stage: both
                    action: block
                    apply-to: {models: [blocking__echo]}
                  secrets-out:
                    type: secrets
                    stage: output
                    action: block
                    apply-to: {models: [outblock__echo]}
                  pii-mask:
                    type: pii
                    stage: both
                    action: mask
                    apply-to: {models: [masking__echo]}
                  pii-flag:
                    type: pii
                    stage: both
                    action: flag
                    apply-to: {models: [flagging__echo]}
                  dlp-down:
                    type: webhook
                    url: http://127.0.0.1:1/verdict
                    secret: hook-secret-0123
                    allow-private: true
                    timeout: 400ms
                    apply-to: {models: [down__echo]}
                  dlp-out:
                    type: webhook
                    stage: output
                    url: http://127.0.0.1:%4$d/verdict
                    secret: hook-secret-0123
                    allow-private: true
                    timeout: 2s
                    apply-to: {models: [judged__echo]}
                """.formatted(openai.baseUrl(), FakeOpenAi.DEFAULT_KEY, url, hookPort);
        gateway = GatewayHarness.start(config);
        McpGatewayTestSupport.awaitTool(gateway, "blocking__echo");
        for (String s : List.of("outblock", "masking", "flagging", "down", "plain", "judged")) {
            McpGatewayTestSupport.awaitTool(gateway, s + "__echo");
        }
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        ((Logger) LoggerFactory.getLogger("dev.gatehouse")).setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("gatehouse.access")).setLevel(Level.DEBUG);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger("dev.gatehouse")).setLevel(null);
        if (vertx != null) {
            vertx.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {gateway, openai, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static HttpResponse<String> callTool(String key, String tool, String text) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":{\"text\":\"" + text + "\"}}}";
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/mcp"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static JsonNode rpc(String key, String tool, String text) throws Exception {
        HttpResponse<String> r = callTool(key, tool, text);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void argumentsWithASecretAreBlockedBeforeTheServerSeesThem() throws Exception {
        int before = upstream.toolCalls();
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "blocking__echo", "my key is " + AWS);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32007);
        assertThat(error.path("message").asText()).contains("secrets-block").contains("AWS_ACCESS_KEY");
        assertThat(error.path("data").path("guardrail").asText()).isEqualTo("secrets-block");
        assertThat(error.path("data").path("code").asText()).isEqualTo("guardrail_blocked");
        assertThat(r.body()).doesNotContain(AWS);
        assertThat(upstream.toolCalls()).isEqualTo(before);
        // the same tool under another name has no guardrail: the namespaced name is what apply-to matches
        JsonNode plain = rpc(GatewayHarness.MASTER_KEY, "plain__echo", "my key is " + AWS);
        assertThat(plain.path("result").path("content").path(0).path("text").asText()).contains(AWS);
    }

    @Test
    void aResultWithASecretIsBlockedOnTheWayBack() throws Exception {
        int before = upstream.toolCalls();
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "outblock__echo", "echo " + AWS);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32007);
        assertThat(error.path("message").asText()).contains("result").contains("secrets-out");
        assertThat(error.path("data").path("stage").asText()).isEqualTo("output");
        assertThat(r.body()).doesNotContain(AWS);
        assertThat(upstream.toolCalls()).isEqualTo(before + 1); // the tool ran; its answer was withheld
        // a clean result passes
        assertThat(rpc(GatewayHarness.MASTER_KEY, "outblock__echo", "nothing secret").path("result").path("content").path(0)
                .path("text").asText()).isEqualTo("nothing secret");
    }

    @Test
    void aWebhookJudgesTheToolsResultNotOnlyItsArguments() throws Exception {
        hookCalls.clear();
        int before = upstream.toolCalls();
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "judged__echo", "the plan is zebrafalcon");
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32007);
        assertThat(error.path("message").asText()).contains("'dlp-out'").contains("it names the project");
        assertThat(r.body()).doesNotContain("zebrafalcon");
        assertThat(upstream.toolCalls()).isEqualTo(before + 1); // the tool ran; the webhook refused its result
        assertThat(hookCalls).hasSize(1); // output stage only: the arguments were not sent to it
        assertThat(hookCalls.getFirst().path("stage").asText()).isEqualTo("output");
        assertThat(hookCalls.getFirst().path("texts").toString()).contains("the plan is zebrafalcon");
        assertThat(rpc(GatewayHarness.MASTER_KEY, "judged__echo", "nothing to see").path("result").path("content").path(0)
                .path("text").asText()).isEqualTo("nothing to see");
    }

    @Test
    void maskedArgumentsReachTheServerAsPlaceholders() {
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "masking__echo", "write to " + EMAIL);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("write to <EMAIL_1>").doesNotContain(EMAIL);
        assertThat(r.headers().firstValue("x-gatehouse-guardrails").orElse("")).contains("pii-mask=masked");
    }

    @Test
    void aFlagLetsTheCallThroughAndIsRecorded() throws Exception {
        String marker = "flag-" + UUID.randomUUID();
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "flagging__echo", marker + " " + EMAIL);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains(EMAIL);
        assertThat(r.headers().firstValue("x-gatehouse-guardrails").orElse("")).contains("pii-flag=flagged");
        RequestRecord record = awaitRecord(null, rec -> rec.requestedModel().equals("flagging__echo") && rec.guardrails() != null);
        assertThat(record.guardrails()).contains("pii-flag:input=flagged[EMAIL]").contains("pii-flag:output=flagged[EMAIL]");
        assertThat(record.guardrails()).doesNotContain(EMAIL);
    }

    @Test
    void aGuardrailThatCannotDecideFailsClosed() throws Exception {
        int before = upstream.toolCalls();
        HttpResponse<String> r = callTool(GatewayHarness.MASTER_KEY, "down__echo", "hello");
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32004);
        assertThat(error.path("data").path("code").asText()).isEqualTo("guardrail_unavailable");
        assertThat(error.path("data").path("guardrail").asText()).isEqualTo("dlp-down");
        assertThat(error.path("message").asText()).contains("dlp-down").contains("on-error: block").doesNotContain("hello");
        assertThat(upstream.toolCalls()).isEqualTo(before);
        RequestRecord record = awaitRecord(null, rec -> rec.requestedModel().equals("down__echo"));
        assertThat(record.status()).isEqualTo(503);
        assertThat(record.guardrails()).isEqualTo("dlp-down:input=error");
        assertThat(record.attempts()).isEmpty();
    }

    @Test
    void theAgentLoopStopsOnABlockAndSendsMaskedResultsToTheModel() throws Exception {
        openai.reset();
        openai.onRequest(null);
        openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_1", "blocking__echo", "{\"text\":\"leak " + AWS + "\"}"));
        HttpResponse<String> blocked = gateway.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"user","content":"go"}],
                 "tools":[{"type":"mcp","server_label":"blocking","allowed_tools":["echo"]}]}
                """);
        assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(400);
        assertThat(blocked.body()).contains("guardrail_blocked").contains("secrets-block").doesNotContain(AWS);
        assertThat(openai.requestCount()).isEqualTo(1); // no second round

        openai.reset();
        openai.onRequest(body -> {
            if (body.toString().contains("\"role\":\"tool\"")) {
                openai.toolCalls().answer("done");
            } else {
                openai.toolCalls(new FakeOpenAi.ToolCallSpec("call_2", "masking__echo", "{\"text\":\"mail " + EMAIL + "\"}"));
            }
        });
        HttpResponse<String> masked = gateway.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"user","content":"go"}],
                 "tools":[{"type":"mcp","server_label":"masking","allowed_tools":["echo"]}]}
                """);
        assertThat(masked.statusCode()).as(masked.body()).isEqualTo(200);
        String second = openai.requests().get(1).bodyString();
        assertThat(second).contains("mail <EMAIL_1>");
        // the model's own arguments stay in the assistant turn; the tool's result is what was masked
        JsonNode toolMessage = JSON.readTree(second).path("messages").path(2);
        assertThat(toolMessage.path("role").asText()).isEqualTo("tool");
        assertThat(toolMessage.path("content").asText()).isEqualTo("mail <EMAIL_1>");
    }

    @Test
    void underZeroDataRetentionNoToolContentIsStoredOrLogged() throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String kept = master.ok("POST", "/teams", "{\"name\":\"kept-" + UUID.randomUUID() + "\"}").text("id");
        String secret = master.ok("POST", "/teams", "{\"name\":\"zdr-" + UUID.randomUUID() + "\"}").text("id");
        String keptKey = keyWithTools(master, kept);
        String zdrKey = keyWithTools(master, secret);
        Files.writeString(gateway.configFile(), config + """
                zdr:
                  teams: [%s]
                request-log:
                  bodies: {teams: [%s, %s]}
                auth:
                  master-key: %s
                """.formatted(secret, kept, secret, GatewayHarness.MASTER_KEY));
        // Wait for the reload: the kept team's bodies begin to be stored.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        boolean stored = false;
        while (!stored && System.nanoTime() < deadline) {
            rpc(keptKey, "plain__echo", "probe");
            Thread.sleep(200);
            stored = records(kept).stream().anyMatch(r -> gateway.gatehouse().requestLogging().store().findBodies(r.requestId()) != null);
        }
        assertThat(stored).as("bodies stored after the reload").isTrue();

        String canary = "CANARY" + UUID.randomUUID().toString().replace("-", "");
        // kept team: the masked arguments are stored, a flagged value is withheld
        rpc(keptKey, "masking__echo", canary + " " + EMAIL);
        RequestRecord maskedRecord = awaitRecord(kept, r -> r.requestedModel().equals("masking__echo"));
        RequestRecord.Bodies maskedBodies = gateway.gatehouse().requestLogging().store().findBodies(maskedRecord.requestId());
        assertThat(maskedBodies.request()).contains("<EMAIL_1>").contains(canary).doesNotContain(EMAIL);
        rpc(keptKey, "flagging__echo", canary + " " + EMAIL);
        RequestRecord flaggedRecord = awaitRecord(kept, r -> r.requestedModel().equals("flagging__echo"));
        RequestRecord.Bodies flaggedBodies = gateway.gatehouse().requestLogging().store().findBodies(flaggedRecord.requestId());
        assertThat(flaggedBodies.request()).doesNotContain(EMAIL).contains("withheld");
        assertThat(String.valueOf(flaggedBodies.response())).doesNotContain(EMAIL);

        // ZDR team, listed for bodies too: nothing of the content is kept, whatever the guardrails did
        logs.list.clear();
        rpc(zdrKey, "masking__echo", canary + " zdr " + EMAIL);
        rpc(zdrKey, "flagging__echo", canary + " zdr " + EMAIL);
        JsonNode blocked = JSON.readTree(callTool(zdrKey, "blocking__echo", canary + " zdr " + AWS).body());
        assertThat(blocked.path("error").path("code").asInt()).isEqualTo(-32007);
        RequestRecord zdrBlocked = awaitRecord(secret, r -> r.requestedModel().equals("blocking__echo"));
        List<RequestRecord> zdrRecords = records(secret);
        assertThat(zdrRecords).hasSize(3);
        for (RequestRecord r : zdrRecords) {
            assertThat(gateway.gatehouse().requestLogging().store().findBodies(r.requestId())).isNull();
            assertThat(r.toString()).doesNotContain(canary).doesNotContain(EMAIL).doesNotContain(AWS);
        }
        assertThat(zdrBlocked.guardrails()).contains("secrets-block:input=blocked[AWS_ACCESS_KEY");
        assertThat(logs.list).isNotEmpty(); // the access log did log these calls
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertThat(line).doesNotContain(canary).doesNotContain(EMAIL).doesNotContain(AWS);
        }
    }

    static String keyWithTools(AdminClient master, String team) {
        String user = master.ok("POST", "/users", "{\"name\":\"U\",\"email\":\"u-" + UUID.randomUUID() + "@example.com\",\"team_id\":\""
                + team + "\",\"role\":\"member\"}").text("id");
        String policy = master.ok("POST", "/policies", "{\"name\":\"tools-" + UUID.randomUUID() + "\",\"team_id\":\"" + team
                + "\",\"mcp_servers\":[\"*\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        return master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\"}").text("key");
    }

    static List<RequestRecord> records(String team) {
        Map<String, String> filter = team == null ? Map.of() : Map.of("team", team);
        return gateway.gatehouse().requestLogging().store().list(filter, 0, System.currentTimeMillis() + 60_000, null, 500).stream()
                .filter(r -> r.endpoint().equals("mcp_tool_call")).toList();
    }

    static RequestRecord awaitRecord(String team, Predicate<RequestRecord> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            for (RequestRecord r : records(team)) {
                if (match.test(r)) {
                    return r;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(100);
        }
    }
}

package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Opt-in body storage: request and response bodies are kept only for teams listed under
 * {@code request-log.bodies.teams}, never for zero-data-retention calls (even when listed), are
 * readable only within the usage endpoints' scope, and go with the raw rows when retention runs.
 */
class RequestBodiesTest {
    private static final String CONFIG = """
            providers:
              retaining: {kind: openai, base-url: "%s", api-key: %s}
              zdr-openai: {kind: openai, base-url: "%s", api-key: %s, zdr: true}
            models:
              chat:
                targets: [{provider: retaining, model: gpt-4o}, {provider: zdr-openai, model: gpt-4o}]
            request-log:
              flush-interval: 50ms
            """;
    private static final String ANSWER = "Bodies are stored only where a team enables it.";

    private final Map<String, String> ids = new HashMap<>();
    private final Map<String, String> keys = new HashMap<>();

    @Test
    void onlyEnabledNonZdrTeamsStoreBodiesScopedAndDeletedByRetention() throws Exception {
        try (FakeOpenAi retaining = FakeOpenAi.start(); FakeOpenAi zdr = FakeOpenAi.start()) {
            retaining.answer(ANSWER);
            zdr.answer(ANSWER);
            String config = CONFIG.formatted(retaining.baseUrl(), FakeOpenAi.DEFAULT_KEY, zdr.baseUrl(), FakeOpenAi.DEFAULT_KEY);
            try (GatewayHarness gateway = GatewayHarness.start(config)) {
                AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
                for (String team : new String[] {"A", "B", "Z"}) {
                    ids.put(team, master.ok("POST", "/teams", "{\"name\":\"team-" + team + "\"}").text("id"));
                }
                user(master, "mA", "A", "member");
                user(master, "taB", "B", "team-admin");
                user(master, "mB", "B", "member");
                user(master, "mZ", "Z", "member");

                // Before the config names any team, nothing is stored.
                String before = chat(gateway, "mA", false, "before");
                awaitRecord(gateway, before);

                Files.writeString(gateway.configFile(), config + """
                          bodies:
                            teams: [%s, %s]
                        zdr:
                          teams: [%s]
                        auth:
                          master-key: %s
                        """.formatted(ids.get("A"), ids.get("Z"), ids.get("Z"), GatewayHarness.MASTER_KEY));
                // Wait for the reload: a call of team A's that got its bodies stored.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (true) {
                    String probe = chat(gateway, "mA", false, "probe");
                    awaitRecord(gateway, probe);
                    if (store(gateway).findBodies(probe) != null) {
                        break;
                    }
                    assertThat(System.nanoTime()).as("config reload").isLessThan(deadline);
                    Thread.sleep(100);
                }
                assertThat(store(gateway).findBodies(before)).isNull();

                // Team A, not streamed: the request as sent and the whole answer.
                String plain = chat(gateway, "mA", false, "plain");
                RequestRecord.Bodies p = awaitBodies(gateway, plain);
                assertThat(p.request()).isEqualTo(requestBody(false, "plain"));
                assertThat(p.response()).contains(ANSWER).contains("\"chat.completion\"");
                assertThat(mapper().readTree(p.response()).path("choices").get(0).path("message").path("content").asText())
                        .isEqualTo(ANSWER);
                assertThat(p.truncated()).isFalse();

                // Team A, streamed: the bytes the caller received, concatenated.
                HttpResponse<String> streamed = send(gateway, "mA", true, "streamed");
                String st = streamed.headers().firstValue("x-request-id").orElseThrow();
                RequestRecord.Bodies s = awaitBodies(gateway, st);
                assertThat(s.request()).isEqualTo(requestBody(true, "streamed"));
                assertThat(s.response()).isEqualTo(streamed.body());
                assertThat(s.response()).contains("data: ").contains("[DONE]");
                assertThat(s.truncated()).isFalse();

                // Team B (not listed) and team Z (listed, but zero data retention): nothing stored.
                String other = chat(gateway, "mB", false, "other");
                String otherStream = send(gateway, "mB", true, "other-stream").headers().firstValue("x-request-id").orElseThrow();
                String zdrPlain = chat(gateway, "mZ", false, "zdr");
                String zdrStream = send(gateway, "mZ", true, "zdr-stream").headers().firstValue("x-request-id").orElseThrow();
                for (String id : new String[] {other, otherStream, zdrPlain, zdrStream}) {
                    awaitRecord(gateway, id);
                    assertThat(store(gateway).findBodies(id)).as(id).isNull();
                }
                assertThat(awaitRecord(gateway, zdrPlain).provider()).isEqualTo("zdr-openai");
                try (var rows = Files.walk(gateway.dir())) {
                    assertThat(rows.filter(Files::isRegularFile).count()).isPositive(); // the data dir exists; ZdrCanaryTest scans it
                }

                // The endpoint: the owner and the org see it; another team's admin does not; no body is a 404.
                JsonNode own = new AdminClient(gateway, keys.get("mA")).ok("GET", "/usage/requests/" + plain + "/body", null).json();
                assertThat(own.path("request_body").asText()).isEqualTo(p.request());
                assertThat(own.path("response_body").asText()).isEqualTo(p.response());
                assertThat(own.path("truncated").asBoolean()).isFalse();
                assertThat(master.ok("GET", "/usage/requests/" + st + "/body", null).json().path("response_body").asText())
                        .isEqualTo(s.response());
                assertThat(new AdminClient(gateway, keys.get("taB")).send("GET", "/usage/requests/" + plain + "/body", null)
                        .status()).isEqualTo(404);
                assertThat(new AdminClient(gateway, keys.get("mB")).send("GET", "/usage/requests/" + plain + "/body", null)
                        .status()).isEqualTo(404);
                assertThat(master.send("GET", "/usage/requests/" + other + "/body", null).status()).isEqualTo(404);
                assertThat(master.send("GET", "/usage/requests/" + zdrPlain + "/body", null).status()).isEqualTo(404);
                // The record itself does not carry the bodies.
                assertThat(master.ok("GET", "/usage/requests/" + plain, null).json().has("bodies")).isFalse();

                // Retention deletes bodies with their rows.
                long deleted = store(gateway).deleteBefore(System.currentTimeMillis() + 60_000, 2, 1_000);
                assertThat(deleted).isPositive();
                assertThat(store(gateway).findBodies(plain)).isNull();
                assertThat(store(gateway).findBodies(st)).isNull();
                long left = store(gateway).database().call(c -> {
                    try (var q = c.prepareStatement("SELECT COUNT(*) FROM request_bodies"); var rs = q.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
                assertThat(left).isZero();
            }
        }
    }

    private void user(AdminClient master, String name, String team, String role) {
        ids.put(name, master.ok("POST", "/users", "{\"name\":\"" + name + "\",\"team_id\":\"" + ids.get(team)
                + "\",\"role\":\"" + role + "\"}").text("id"));
        keys.put(name, master.ok("POST", "/keys", "{\"owner_id\":\"" + ids.get(name) + "\"}").text("key"));
    }

    private static com.fasterxml.jackson.databind.ObjectMapper mapper() {
        return new com.fasterxml.jackson.databind.ObjectMapper();
    }

    private static String requestBody(boolean stream, String tag) {
        return "{\"model\":\"chat\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Keep this: " + tag + "\"}]}";
    }

    private String chat(GatewayHarness gateway, String user, boolean stream, String tag) {
        return send(gateway, user, stream, tag).headers().firstValue("x-request-id").orElseThrow();
    }

    private HttpResponse<String> send(GatewayHarness gateway, String user, boolean stream, String tag) {
        String requestId = tag + "-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + keys.get(user))
                .header("Content-Type", "application/json")
                .header("x-request-id", requestId)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(stream, tag))));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-request-id")).contains(requestId);
        return response;
    }

    private static RequestLogStore store(GatewayHarness gateway) {
        return gateway.gatehouse().requestLogging().store();
    }

    private static RequestRecord awaitRecord(GatewayHarness gateway, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            RequestRecord r = store(gateway).find(requestId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request log record for " + requestId);
    }

    private static RequestRecord.Bodies awaitBodies(GatewayHarness gateway, String requestId) throws InterruptedException {
        awaitRecord(gateway, requestId);
        RequestRecord.Bodies b = store(gateway).findBodies(requestId);
        assertThat(b).as("bodies of " + requestId).isNotNull();
        return b;
    }

    @Test
    void bodiesTravelWithTheirRecordThroughTheDiskSpoolAndRecordsWithoutThemStayWithout(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) {
        RequestRecord plain = new RequestRecord("r-1", 1L, "chat_completions", "k", "u", "t", "m", "gpt-4o", "a", null, null,
                200, null, 1, 2, 0, 0, 0, false, 3, 4, null, false, null, null, Map.of(), java.util.List.of());
        RequestRecord withBodies = new RequestRecord("r-2", 1L, "chat_completions", "k", "u", "t", "m", "gpt-4o", "a", null,
                null, 200, null, 1, 2, 0, 0, 0, false, 3, 4, null, true, null, null, Map.of(), java.util.List.of())
                .withBodies(new RequestRecord.Bodies("{\"q\":\"é\"}", "data: {}\n\n", true));
        RequestSpool spool = new RequestSpool(dir);
        spool.append(java.util.List.of(plain, withBodies));
        java.util.List<RequestRecord> replayed = new java.util.ArrayList<>();
        assertThat(spool.replay(10, group -> group.forEach(b -> replayed.addAll(b.records())))).isEqualTo(2);
        assertThat(replayed).containsExactly(plain, withBodies);
        assertThat(replayed.get(0).bodies()).isNull();
        assertThat(replayed.get(1).bodies()).isEqualTo(new RequestRecord.Bodies("{\"q\":\"é\"}", "data: {}\n\n", true));
    }

    @Test
    void captureIsCappedFlaggedAndOffUnlessEnabledAndNeverUnderZdr() {
        io.vertx.core.buffer.Buffer big = io.vertx.core.buffer.Buffer.buffer("x".repeat(dev.gatehouse.call.Call.MAX_STORED_BODY + 10));
        dev.gatehouse.call.Call off = newCall();
        off.captureRequest(big);
        off.captureResponse(big);
        assertThat(off.capturedBodies()).isEqualTo(new dev.gatehouse.call.Call.CapturedBodies(null, null, false));

        dev.gatehouse.call.Call on = newCall();
        on.storeBodies(true);
        on.captureRequest(io.vertx.core.buffer.Buffer.buffer("{}"));
        on.captureResponse(io.vertx.core.buffer.Buffer.buffer("data: 1\n\n"));
        assertThat(on.capturedBodies()).isEqualTo(new dev.gatehouse.call.Call.CapturedBodies("{}", "data: 1\n\n", false));
        on.captureResponse(big);
        on.captureResponse(io.vertx.core.buffer.Buffer.buffer("more"));
        assertThat(on.capturedBodies().response()).hasSize(dev.gatehouse.call.Call.MAX_STORED_BODY).startsWith("data: 1");
        assertThat(on.capturedBodies().truncated()).isTrue();

        dev.gatehouse.call.Call bigRequest = newCall();
        bigRequest.storeBodies(true);
        bigRequest.captureRequest(big);
        assertThat(bigRequest.capturedBodies().request()).hasSize(dev.gatehouse.call.Call.MAX_STORED_BODY);
        assertThat(bigRequest.capturedBodies().truncated()).isTrue();

        dev.gatehouse.call.Call zdr = newCall();
        zdr.storeBodies(true);
        zdr.zdr(true);
        zdr.captureRequest(io.vertx.core.buffer.Buffer.buffer("{}"));
        zdr.captureResponse(io.vertx.core.buffer.Buffer.buffer("{}"));
        assertThat(zdr.storeBodies()).isFalse();
        assertThat(zdr.capturedBodies()).isEqualTo(new dev.gatehouse.call.Call.CapturedBodies(null, null, false));
        assertThat(RequestRecords.bodies(zdr)).isNull();
    }

    private static dev.gatehouse.call.Call newCall() {
        return new dev.gatehouse.call.Call("r", dev.gatehouse.call.Endpoint.CHAT_COMPLETIONS,
                io.vertx.core.MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
    }
}

package dev.gatehouse.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.Gatehouse;
import dev.gatehouse.access.Authenticator;
import dev.gatehouse.call.Principal;
import dev.gatehouse.testing.FakeOpenAi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * BYOK through the real server: a team's registered key (not the config key) reaches the
 * upstream for that team's traffic only, comes back only masked, and never appears in a
 * response, the audit trail or the log. Callers with a team come from a test authenticator
 * (virtual keys with team ids are another part of the gateway).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ByokEndToEndTest {
    static final String MASTER = "byok-test-master-key-0123456789";
    static final String TEAM_A_KEY = "sk-team-a-SECRET-0123456789-aaaa";
    static final String TEAM_A_KEY_2 = "sk-team-a-ROTATED-0123456789-a2a2";
    static final String CALLER_KEY = "sk-caller-OWN-0123456789-cccc";
    static final String K1 = SecretCipherTest.key();
    static final String K2 = SecretCipherTest.key();
    static final ObjectMapper JSON = new ObjectMapper();

    /** Tokens → principals with teams, standing in for virtual keys. */
    static final Authenticator TEAMS = token -> switch (token) {
        case "tok-team-a" -> new Principal("user-a", "test", null, "user-a", "team-a", Set.of("member"), null);
        case "tok-team-b" -> new Principal("user-b", "test", null, "user-b", "team-b", Set.of("member"), null);
        case "tok-admin-b" -> new Principal("admin-b", "test", null, "admin-b", "team-b", Set.of("team-admin"), null);
        case "tok-admin-a" -> new Principal("admin-a", "test", null, "admin-a", "team-a", Set.of("team-admin"), null);
        case "tok-auditor" -> new Principal("auditor", "test", null, "auditor", null, Set.of("auditor"), null);
        default -> null;
    };

    @TempDir
    Path dir;
    FakeOpenAi fake;
    Gatehouse gatehouse;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Level savedLevel;

    @BeforeEach
    void setUp() {
        fake = FakeOpenAi.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger gatehouseLogger = (Logger) LoggerFactory.getLogger("dev.gatehouse");
        savedLevel = gatehouseLogger.getLevel();
        gatehouseLogger.setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("gatehouse.access")).setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        if (gatehouse != null) {
            gatehouse.close();
        }
        fake.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger("dev.gatehouse")).setLevel(savedLevel);
        ((Logger) LoggerFactory.getLogger("gatehouse.access")).setLevel(Level.WARN);
    }

    Gatehouse start(String keyRing, boolean callerKeys) throws IOException {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                providers:
                  openai: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  gpt-4o-mini:
                    targets: [{provider: openai}]
                auth:
                  master-key: %s
                secrets:
                  encryption-keys: "%s"
                  allow-caller-provider-keys: %s
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, MASTER, keyRing, callerKeys));
        return Gatehouse.start(new Gatehouse.Options(config, "127.0.0.1", 0, dir.resolve("data"), false, List.of(TEAMS)));
    }

    HttpResponse<String> send(String method, String path, String token, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.port() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> chat(String token, Map<String, String> headers) {
        return send("POST", "/v1/chat/completions", token,
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", headers);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(response.body(), e);
        }
    }

    void assertNoSecretAnywhere(String... secrets) {
        java.util.List<ILoggingEvent> snapshot;
        synchronized (logs) { // appenders append under their own lock, from the gateway's threads
            snapshot = new java.util.ArrayList<>(logs.list);
        }
        for (ILoggingEvent event : snapshot) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(text).as("log line").doesNotContain(secret);
            }
        }
    }

    @Test
    void aTeamsOwnKeyIsUsedForItsTrafficOnlyAndNeverShown() throws Exception {
        gatehouse = start("k1:" + K1, false);

        HttpResponse<String> created = send("POST", "/admin/v1/teams/team-a/credentials", MASTER,
                "{\"provider\":\"openai\",\"api_key\":\"" + TEAM_A_KEY + "\"}", Map.of());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain(TEAM_A_KEY);
        JsonNode credential = json(created);
        assertThat(credential.path("api_key").asText()).isEqualTo("sk-…aaaa");
        assertThat(credential.path("encryption_key_id").asText()).isEqualTo("k1");
        String id = credential.path("id").asText();

        // A second credential for the same team and provider is a conflict, not a silent replace.
        assertThat(send("POST", "/admin/v1/teams/team-a/credentials", MASTER,
                "{\"provider\":\"openai\",\"api_key\":\"sk-another-0123456789\"}", Map.of()).statusCode()).isEqualTo(409);
        assertThat(send("POST", "/admin/v1/teams/team-a/credentials", MASTER,
                "{\"provider\":\"nope\",\"api_key\":\"sk-another-0123456789\"}", Map.of()).statusCode()).isEqualTo(400);

        // Team A's traffic carries team A's key upstream.
        fake.expectKey(TEAM_A_KEY);
        HttpResponse<String> a = chat("tok-team-a", Map.of());
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + TEAM_A_KEY);
        assertThat(a.body()).doesNotContain(TEAM_A_KEY);

        // Team B (no credential) and the master key use the configured key.
        fake.expectKey(FakeOpenAi.DEFAULT_KEY);
        assertThat(chat("tok-team-b", Map.of()).statusCode()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + FakeOpenAi.DEFAULT_KEY);
        assertThat(chat(MASTER, Map.of()).statusCode()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + FakeOpenAi.DEFAULT_KEY);

        // Listing shows the masked key; another team's admin cannot even see that it exists.
        HttpResponse<String> list = send("GET", "/admin/v1/teams/team-a/credentials", "tok-admin-a", null, Map.of());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("sk-…aaaa").doesNotContain(TEAM_A_KEY).doesNotContain("v1:k1:");
        assertThat(send("GET", "/admin/v1/teams/team-a/credentials", "tok-admin-b", null, Map.of()).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/admin/v1/teams/team-a/credentials/" + id + "/rotate", "tok-admin-b",
                "{\"api_key\":\"sk-evil-0123456789\"}", Map.of()).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/admin/v1/teams/team-a/credentials/" + id, "tok-team-a", null, Map.of()).statusCode())
                .isEqualTo(403);

        // The team's own admin rotates it: the new key is used at once.
        HttpResponse<String> rotated = send("POST", "/admin/v1/teams/team-a/credentials/" + id + "/rotate", "tok-admin-a",
                "{\"api_key\":\"" + TEAM_A_KEY_2 + "\"}", Map.of());
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        assertThat(json(rotated).path("api_key").asText()).isEqualTo("sk-…a2a2");
        fake.expectKey(TEAM_A_KEY_2);
        assertThat(chat("tok-team-a", Map.of()).statusCode()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + TEAM_A_KEY_2);

        // Deleted: team A falls back to the configured key.
        assertThat(send("DELETE", "/admin/v1/teams/team-a/credentials/" + id, MASTER, null, Map.of()).statusCode()).isEqualTo(204);
        fake.expectKey(FakeOpenAi.DEFAULT_KEY);
        assertThat(chat("tok-team-a", Map.of()).statusCode()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + FakeOpenAi.DEFAULT_KEY);

        // Caller keys are off by default.
        HttpResponse<String> refused = chat("tok-team-b", Map.of(ByokKeySelection.HEADER, CALLER_KEY));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain(CALLER_KEY);

        // Every change is in the audit trail, masked, and the chain verifies.
        HttpResponse<String> audit = send("GET", "/admin/v1/audit", "tok-auditor", null, Map.of());
        assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
        JsonNode entries = json(audit).path("data");
        assertThat(entries).extracting(e -> e.path("action").asText())
                .containsExactly("credential.delete", "credential.rotate", "credential.create");
        assertThat(entries.get(1).path("actor").path("id").asText()).isEqualTo("admin-a");
        assertThat(entries.get(1).path("before").path("api_key").asText()).isEqualTo("sk-…aaaa");
        assertThat(entries.get(1).path("after").path("api_key").asText()).isEqualTo("sk-…a2a2");
        assertThat(entries.get(2).path("client_address").asText()).isEqualTo("127.0.0.1");
        assertThat(audit.body()).doesNotContain(TEAM_A_KEY).doesNotContain(TEAM_A_KEY_2);
        assertThat(send("GET", "/admin/v1/audit", "tok-admin-a", null, Map.of()).statusCode()).isEqualTo(403);

        HttpResponse<String> export = send("GET", "/admin/v1/audit/export", "tok-auditor", null, Map.of());
        assertThat(export.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        List<String> lines = export.body().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(JSON.readTree(lines.getFirst()).path("seq").asLong()).isEqualTo(1);
        assertThat(json(send("GET", "/admin/v1/audit/verify", MASTER, null, Map.of())).path("intact").asBoolean()).isTrue();

        assertNoSecretAnywhere(TEAM_A_KEY, TEAM_A_KEY_2, CALLER_KEY, K1);
    }

    @Test
    void aCallerMayBringItsOwnKeyWhenEnabled() throws Exception {
        gatehouse = start("k1:" + K1, true);
        fake.expectKey(CALLER_KEY);
        HttpResponse<String> response = chat("tok-team-b", Map.of(ByokKeySelection.HEADER, CALLER_KEY));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + CALLER_KEY);
        assertThat(fake.lastRequest().header(ByokKeySelection.HEADER)).isNull();

        // A wrong caller key: the upstream's 401 does not echo it back through the gateway.
        HttpResponse<String> wrong = chat("tok-team-b", Map.of(ByokKeySelection.HEADER, "sk-wrong-key-0123456789-zzzz"));
        assertThat(wrong.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(wrong.body()).doesNotContain("sk-wrong-key-0123456789-zzzz");
        assertNoSecretAnywhere(CALLER_KEY, "sk-wrong-key-0123456789-zzzz");
    }

    @Test
    void masterKeyRotationAndAMissingKeyAtStartup() throws Exception {
        gatehouse = start("k1:" + K1, false);
        assertThat(send("POST", "/admin/v1/teams/team-a/credentials", MASTER,
                "{\"provider\":\"openai\",\"api_key\":\"" + TEAM_A_KEY + "\"}", Map.of()).statusCode()).isEqualTo(201);
        gatehouse.close();
        gatehouse = null;

        // The stored credential needs k1: starting with only k2 is refused, clearly, without key material.
        assertThatThrownBy(() -> start("k2:" + K2, false))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("1 provider credential(s) cannot be decrypted")
                .hasMessageContaining("'k1'")
                .hasMessageContaining("GATEHOUSE_ENCRYPTION_KEYS")
                .hasMessageNotContaining(K2);

        // New key first, old key kept: the old envelope still works; re-encrypt moves it to k2.
        gatehouse = start("k2:" + K2 + ",k1:" + K1, false);
        fake.expectKey(TEAM_A_KEY);
        assertThat(chat("tok-team-a", Map.of()).statusCode()).isEqualTo(200);
        HttpResponse<String> reencrypted = send("POST", "/admin/v1/credentials/reencrypt", MASTER, "{}", Map.of());
        assertThat(reencrypted.statusCode()).as(reencrypted.body()).isEqualTo(200);
        assertThat(json(reencrypted).path("reencrypted").asInt()).isEqualTo(1);
        assertThat(json(reencrypted).path("current_key_id").asText()).isEqualTo("k2");
        assertThat(send("GET", "/admin/v1/teams/team-a/credentials", MASTER, null, Map.of()).body())
                .contains("\"encryption_key_id\":\"k2\"");
        gatehouse.close();

        // k1 can now be retired.
        gatehouse = start("k2:" + K2, false);
        assertThat(chat("tok-team-a", Map.of()).statusCode()).isEqualTo(200);
        assertThat(fake.lastRequest().header("authorization")).isEqualTo("Bearer " + TEAM_A_KEY);
        assertNoSecretAnywhere(TEAM_A_KEY, K1, K2);
    }

    @Test
    void storingACredentialWithoutAnEncryptionKeyIsRefused() throws Exception {
        gatehouse = start("", false);
        HttpResponse<String> response = send("POST", "/admin/v1/teams/team-a/credentials", MASTER,
                "{\"provider\":\"openai\",\"api_key\":\"" + TEAM_A_KEY + "\"}", Map.of());
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.body()).contains("GATEHOUSE_ENCRYPTION_KEYS").doesNotContain(TEAM_A_KEY);
    }
}

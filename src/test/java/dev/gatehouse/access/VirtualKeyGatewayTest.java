package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.store.Database;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Virtual keys end to end: keys and policies made through the admin API, calls made with the
 * openai-java SDK through the running gateway.
 */
class VirtualKeyGatewayTest {
    static GatewayHarness gateway;
    static AdminClient master;
    static String teamId;
    static String userId;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                  backup: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 5}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  gpt-4o:
                    targets: [{provider: mock}]
                  o3-mini:
                    targets: [{provider: mock}, {provider: backup}]
                  text-embedding-3-small:
                    type: embedding
                    targets: [{provider: mock}]
                """);
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        teamId = master.ok("POST", "/teams", "{\"name\":\"eng\"}").text("id");
        userId = master.ok("POST", "/users", "{\"name\":\"Dana\",\"email\":\"dana@example.com\",\"team_id\":\"" + teamId
                + "\",\"role\":\"member\"}").text("id");
        String policy = master.ok("POST", "/policies", "{\"name\":\"team-eng-models\",\"team_id\":\"" + teamId
                + "\",\"models\":[\"gpt-4o-mini\",\"o3*\",\"text-embedding-*\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + teamId + "\"}");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(key).timeout(Duration.ofSeconds(10)).maxRetries(0).build();
    }

    static String newKey(String extraJson) {
        AdminClient.Reply reply = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\"" + extraJson + "}");
        assertThat(reply.status()).isEqualTo(201);
        return reply.text("key");
    }

    static ChatCompletion chat(OpenAIClient client, String model) {
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build());
    }

    @Test
    void anAllowedModelWorksWithAVirtualKey() {
        AdminClient.Reply created = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\",\"name\":\"laptop\"}");
        String key = created.text("key");
        assertThat(key).startsWith("gh-");
        assertThat(created.text("display_prefix")).isEqualTo(key.substring(0, 10) + "…");
        ChatCompletion completion = chat(sdk(key), "gpt-4o-mini");
        assertThat(completion.choices().getFirst().message().content().orElseThrow()).startsWith("Mock answer to: hi");
        // Shown once: reading the key back never returns it.
        AdminClient.Reply read = master.ok("GET", "/keys/" + created.text("id"), null);
        assertThat(read.body()).doesNotContain(key);
        assertThat(read.text("owner_id")).isEqualTo(userId);
        assertThat(read.text("team_id")).isEqualTo(teamId);
    }

    @Test
    void aDeniedModelIsA403NamingThePolicy() {
        String key = newKey("");
        assertThatThrownBy(() -> chat(sdk(key), "gpt-4o"))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("denied by policy 'team-eng-models'");
        HttpResponse<String> raw = gateway.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
        assertThat(raw.statusCode()).isEqualTo(403);
        assertThat(raw.body()).contains("\"type\":\"permission_error\"").contains("\"code\":\"policy_denied\"")
                .contains("denied by policy 'team-eng-models'");
        // A model that does not exist stays a 404, policy or not.
        HttpResponse<String> missing = gateway.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")));
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void modelsListsOnlyAllowedModels() {
        String key = newKey("");
        assertThat(sdk(key).models().list().data()).extracting(Model::id)
                .containsExactlyInAnyOrder("gpt-4o-mini", "o3-mini", "text-embedding-3-small");
        assertThat(sdk(GatewayHarness.MASTER_KEY).models().list().data()).extracting(Model::id).contains("gpt-4o");
    }

    @Test
    void keyPoliciesIntersectWithTeamPolicies() {
        String policy = master.ok("POST", "/policies", "{\"name\":\"chat-only-" + UUID.randomUUID()
                + "\",\"endpoints\":[\"chat.completions\"],\"max_tokens\":100}").text("id");
        String key = newKey(",\"policies\":[\"" + policy + "\"]");
        OpenAIClient client = sdk(key);
        assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("x").build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("endpoint 'embeddings'");
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("hi").maxCompletionTokens(500).build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("max_tokens 500").hasMessageContaining("at most 100");
        assertThatThrownBy(() -> chat(client, "gpt-4o-mini"))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("without max_tokens");
        ChatCompletion ok = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("hi").maxCompletionTokens(50).build());
        assertThat(ok.choices()).hasSize(1);
        // The team policy still applies on top of the key's own.
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o").addUserMessage("hi").maxCompletionTokens(50).build()))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("team-eng-models");
    }

    @Test
    void deniedProvidersAreSkippedAndNoneLeftIsA403() {
        String backupOnly = master.ok("POST", "/policies", "{\"name\":\"backup-only-" + UUID.randomUUID()
                + "\",\"providers\":[\"back*\"]}").text("id");
        String key = newKey(",\"policies\":[\"" + backupOnly + "\"]");
        // o3-mini: mock first, backup second; mock is skipped, so backup (5 output tokens) answers.
        ChatCompletion viaBackup = chat(sdk(key), "o3-mini");
        assertThat(viaBackup.usage().orElseThrow().completionTokens()).isEqualTo(5);
        assertThatThrownBy(() -> chat(sdk(key), "gpt-4o-mini"))
                .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("provider 'mock'").hasMessageContaining("backup-only-");
    }

    @Test
    void aKeyRevokedThroughTheApiStopsAtOnce() {
        AdminClient.Reply created = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\"}");
        OpenAIClient client = sdk(created.text("key"));
        chat(client, "gpt-4o-mini");
        master.ok("POST", "/keys/" + created.text("id") + "/revoke", null);
        assertThatThrownBy(() -> chat(client, "gpt-4o-mini")).isInstanceOf(UnauthorizedException.class).hasMessageContaining("revoked");
    }

    @Test
    void aKeyRevokedElsewhereStopsWithinOneSecond() throws Exception {
        AdminClient.Reply created = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\"}");
        OpenAIClient client = sdk(created.text("key"));
        chat(client, "gpt-4o-mini");
        // Another node or the CLI: its own connection pool, straight to the database.
        try (Database other = Database.open(null, null, null, gateway.dir().resolve("data"))) {
            Identity.over(other).keys().revoke(created.text("id"));
        }
        long revoked = System.nanoTime();
        long refusedAfter = -1;
        while (System.nanoTime() - revoked < 3_000_000_000L) {
            try {
                chat(client, "gpt-4o-mini");
            } catch (UnauthorizedException e) {
                refusedAfter = (System.nanoTime() - revoked) / 1_000_000;
                break;
            }
            Thread.sleep(20);
        }
        assertThat(refusedAfter).as("ms until the revoked key was refused").isBetween(0L, 1000L);
    }

    @Test
    void anExpiredKeyIsRefused() throws Exception {
        String past = newKey(",\"expires_at\":\"2020-01-01T00:00:00Z\"");
        assertThatThrownBy(() -> chat(sdk(past), "gpt-4o-mini")).isInstanceOf(UnauthorizedException.class).hasMessageContaining("expired");
        String shortLived = newKey(",\"expires_in\":1");
        chat(sdk(shortLived), "gpt-4o-mini");
        Thread.sleep(1100);
        assertThatThrownBy(() -> chat(sdk(shortLived), "gpt-4o-mini")).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void aRotatedKeyWorksDuringTheGracePeriodThenNot() throws Exception {
        AdminClient.Reply created = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\"}");
        AdminClient.Reply rotated = master.ok("POST", "/keys/" + created.text("id") + "/rotate", "{\"grace\":\"2s\"}");
        assertThat(rotated.status()).isEqualTo(201);
        String fresh = rotated.text("key");
        assertThat(fresh).startsWith("gh-").isNotEqualTo(created.text("key"));
        assertThat(rotated.json().path("replaces").path("rotated_to").asText()).isEqualTo(rotated.text("id"));
        chat(sdk(created.text("key")), "gpt-4o-mini");
        chat(sdk(fresh), "gpt-4o-mini");
        Thread.sleep(2100);
        assertThatThrownBy(() -> chat(sdk(created.text("key")), "gpt-4o-mini"))
                .isInstanceOf(UnauthorizedException.class).hasMessageContaining("rotated");
        chat(sdk(fresh), "gpt-4o-mini");
    }

    @Test
    void lastUseIsRecordedOffTheRequestPath() throws Exception {
        AdminClient.Reply created = master.ok("POST", "/keys", "{\"owner_id\":\"" + userId + "\"}");
        assertThat(created.json().path("last_used_at").isNull()).isTrue();
        chat(sdk(created.text("key")), "gpt-4o-mini");
        String lastUsed = null;
        for (int i = 0; i < 50 && lastUsed == null; i++) {
            Thread.sleep(100);
            lastUsed = master.ok("GET", "/keys/" + created.text("id"), null).json().path("last_used_at").asText(null);
        }
        assertThat(lastUsed).isNotNull();
    }

    @Test
    void aUsersKeyActsAsThatUserOnTheAdminApi() {
        String key = newKey("");
        AdminClient asMember = new AdminClient(gateway, key);
        AdminClient.Reply keys = asMember.ok("GET", "/keys", null);
        assertThat(keys.json().path("data")).allSatisfy(k -> assertThat(k.path("owner_id").asText()).isEqualTo(userId));
        assertThat(asMember.post("/teams", "{\"name\":\"nope\"}").status()).isEqualTo(403);
    }
}

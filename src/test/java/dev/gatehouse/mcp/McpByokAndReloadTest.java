package dev.gatehouse.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import dev.gatehouse.testing.McpTestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A team's own credential for an MCP server (BYOK): its calls reach the server with its key, other
 * teams' with the shared headers; rotating or deleting it takes effect on the next call. And MCP
 * servers follow config reloads: an added server's tools appear, a changed one reconnects with its
 * new settings, a removed one's tools disappear.
 */
class McpByokAndReloadTest {
    static final ObjectMapper JSON = new ObjectMapper();
    McpTestServer upstream;
    GatewayHarness gateway;
    String config;

    @BeforeEach
    void start() {
        upstream = McpTestServer.start();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        config = GatewayHarness.mockConfig() + """
                secrets:
                  encryption-keys: "k1:%s"
                """.formatted(Base64.getEncoder().encodeToString(key));
        gateway = GatewayHarness.start(config + servers("shared-token", false));
        McpGatewayTestSupport.awaitTool(gateway, "docs__whoami_header");
    }

    String servers(String sharedToken, boolean extra) {
        return """
                mcp:
                  servers:
                    docs:
                      transport: streamable-http
                      url: %s
                      headers: {Authorization: "Bearer %s"}
                      credential: docs-token
                """.formatted(upstream.streamableUrl(), sharedToken) + (!extra ? "" : """
                    extra:
                      transport: sse
                      url: %s
                """.formatted(upstream.sseUrl()));
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
    }

    String teamKey(AdminClient master, String name) {
        String team = master.ok("POST", "/teams", "{\"name\":\"" + name + "\"}").text("id");
        String user = master.ok("POST", "/users", "{\"name\":\"" + name + "\",\"email\":\"" + name + "@example.com\",\"team_id\":\""
                + team + "\",\"role\":\"member\"}").text("id");
        String policy = master.ok("POST", "/policies", "{\"name\":\"" + name + "-tools\",\"team_id\":\"" + team
                + "\",\"mcp_servers\":[\"docs\",\"extra\"]}").text("id");
        master.ok("POST", "/policies/" + policy + "/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"" + team + "\"}");
        return team + " " + master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\"}").text("key");
    }

    String call(String key, String tool) throws Exception {
        HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/mcp"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\""
                        + tool + "\",\"arguments\":{}}}")));
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.has("error")).as(r.body()).isFalse();
        return body.path("result").path("content").path(0).path("text").asText();
    }

    String tools(String key) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/mcp"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))).body();
    }

    static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    @Test
    void aTeamsOwnCredentialReachesTheServerForItsCallsOnly() throws Exception {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String[] a = teamKey(master, "byok-a").split(" ");
        String[] b = teamKey(master, "byok-b").split(" ");
        assertThat(call(a[1], "docs__whoami_header")).isEqualTo("Bearer shared-token"); // nothing stored yet

        String id = master.ok("POST", "/teams/" + a[0] + "/credentials", "{\"provider\":\"docs-token\",\"api_key\":\"team-a-mcp-token\"}")
                .text("id");
        assertThat(call(a[1], "docs__whoami_header")).isEqualTo("Bearer team-a-mcp-token");
        assertThat(call(b[1], "docs__whoami_header")).isEqualTo("Bearer shared-token"); // another team never gets it

        master.ok("POST", "/teams/" + a[0] + "/credentials/" + id + "/rotate", "{\"api_key\":\"team-a-rotated\"}");
        assertThat(call(a[1], "docs__whoami_header")).isEqualTo("Bearer team-a-rotated");

        assertThat(master.delete("/teams/" + a[0] + "/credentials/" + id).status()).isEqualTo(204);
        assertThat(call(a[1], "docs__whoami_header")).isEqualTo("Bearer shared-token");
        assertThat(call(b[1], "docs__whoami_header")).isEqualTo("Bearer shared-token");
    }

    @Test
    void serversFollowConfigReloads() throws Exception {
        String master = GatewayHarness.MASTER_KEY;
        assertThat(tools(master)).doesNotContain("extra__echo");
        // add a server and change another's headers
        Files.writeString(gateway.configFile(), config + servers("changed-token", true) + "auth:\n  master-key: " + master + "\n");
        await(() -> tools(master).contains("\"extra__echo\""), "the added server's tools");
        await(() -> {
            try {
                return call(master, "docs__whoami_header").equals("Bearer changed-token");
            } catch (Exception e) {
                return false;
            }
        }, "the changed server to reconnect with its new headers");
        assertThat(call(master, "extra__secret_tool")).isEqualTo("secret"); // a call to the added server goes through

        // remove it again
        Files.writeString(gateway.configFile(), config + servers("changed-token", false) + "auth:\n  master-key: " + master + "\n");
        await(() -> !tools(master).contains("\"extra__echo\""), "the removed server's tools to disappear");
        assertThat(tools(master)).contains("\"docs__echo\"");
    }
}

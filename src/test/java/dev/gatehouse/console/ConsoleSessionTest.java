package dev.gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console over plain HTTP: where it is served, its security headers, and the sign-in
 * session (cookie attributes, CSRF on changes, the session following its key's revocation).
 */
class ConsoleSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static GatewayHarness gateway;
    private static AdminClient master;

    @BeforeAll
    static void start() {
        gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                  gpt-4o:
                    targets: [{provider: mock}]
                """);
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void servedUnderUiWithRelativeRedirectsAndAStrictPolicy() {
        assertThat(plain("GET", "/", null, null).headers().firstValue("location")).hasValue("ui/");
        assertThat(plain("GET", "/ui", null, null).headers().firstValue("location")).hasValue("ui/");
        HttpResponse<String> page = plain("GET", "/ui/", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\">");
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp).contains("script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
        assertThat(plain("GET", "/ui/vendor/uplot/uPlot.esm.js", null, null).statusCode()).isEqualTo(200);
        assertThat(plain("GET", "/ui/pages/overview.js", null, null).headers().firstValue("content-type").orElse(""))
                .startsWith("text/javascript");
    }

    @Test
    void signInRefusesWhatItCannotAuthenticate() throws Exception {
        HttpResponse<String> empty = plain("POST", "/ui/session", null, "{}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("error").path("param").asText()).isEqualTo("key");
        assertThat(plain("POST", "/ui/session", null, "not json").statusCode()).isEqualTo(400);
        HttpResponse<String> form = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/ui/session"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + GatewayHarness.MASTER_KEY + "\"}")));
        assertThat(form.statusCode()).isEqualTo(415); // what a cross-site form could send
        assertThat(form.headers().firstValue("set-cookie")).isEmpty();
        HttpResponse<String> wrong = plain("POST", "/ui/session", null, "{\"key\":\"gh-nope-0123456789\"}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("set-cookie")).isEmpty();
        assertThat(plain("GET", "/admin/v1/me", "gatehouse_console=forged", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictAndSecureBehindTls() {
        String cookie = plain("POST", "/ui/session", null, "{\"key\":\"" + GatewayHarness.MASTER_KEY + "\"}")
                .headers().firstValue("set-cookie").orElseThrow();
        assertThat(cookie).contains("HTTPOnly", "SameSite=Strict", "Max-Age=").doesNotContain("Secure");
        HttpResponse<String> tls = gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/ui/session"))
                .header("X-Forwarded-Proto", "https").header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + GatewayHarness.MASTER_KEY + "\"}")));
        assertThat(tls.headers().firstValue("set-cookie").orElseThrow()).contains("Secure");
    }

    @Test
    void changesNeedTheCsrfTokenAndLandInTheAuditTrail() throws Exception {
        Session s = signIn(GatewayHarness.MASTER_KEY);
        assertThat(JSON.readTree(plain("GET", "/admin/v1/me", s.cookie, null).body()).path("roles").get(0).asText()).isEqualTo("owner");
        HttpResponse<String> refused = plain("POST", "/admin/v1/teams", s.cookie, "{\"name\":\"no-csrf\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("csrf_token_invalid");
        HttpResponse<String> wrong = send("POST", "/admin/v1/teams", s.cookie, "not-the-token", "{\"name\":\"wrong-csrf\"}");
        assertThat(wrong.statusCode()).isEqualTo(403);
        HttpResponse<String> created = send("POST", "/admin/v1/teams", s.cookie, s.csrf, "{\"name\":\"with-csrf\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String teamId = JSON.readTree(created.body()).path("id").asText();
        assertThat(master.ok("GET", "/audit?limit=10", null).body()).contains(teamId);
        assertThat(master.ok("GET", "/teams?limit=500", null).body()).doesNotContain("no-csrf").doesNotContain("wrong-csrf");

        assertThat(plain("DELETE", "/ui/session", s.cookie, null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", "/ui/session", s.cookie, s.csrf, null).statusCode()).isEqualTo(204);
        assertThat(plain("GET", "/admin/v1/me", s.cookie, null).statusCode()).isEqualTo(401);
    }

    @Test
    void aSessionEndsWhenItsKeyIsRevokedAndSeesOnlyItsModels() throws Exception {
        String team = master.ok("POST", "/teams", "{\"name\":\"session-team\"}").text("id");
        String user = master.ok("POST", "/users", "{\"name\":\"m\",\"team_id\":\"" + team + "\",\"role\":\"member\"}").text("id");
        master.ok("POST", "/policies", "{\"name\":\"mini-only\",\"team_id\":\"" + team + "\",\"models\":[\"gpt-4o-mini\"]}");
        AdminClient.Reply key = master.ok("POST", "/keys", "{\"owner_id\":\"" + user + "\",\"policies\":[\"mini-only\"]}");
        Session s = signIn(key.text("key"));
        JsonNode me = JSON.readTree(plain("GET", "/admin/v1/me", s.cookie, null).body());
        assertThat(me.path("team_id").asText()).isEqualTo(team);
        assertThat(me.path("roles").toString()).contains("member");
        JsonNode models = JSON.readTree(plain("GET", "/admin/v1/models", s.cookie, null).body()).path("data");
        assertThat(models).hasSize(1);
        assertThat(models.get(0).path("name").asText()).isEqualTo("gpt-4o-mini");
        assertThat(models.get(0).path("targets").get(0).path("circuit").asText()).isEqualTo("closed");
        assertThat(master.ok("GET", "/models", null).json().path("data")).hasSize(2);

        master.ok("POST", "/keys/" + key.text("id") + "/revoke", null);
        assertThat(plain("GET", "/admin/v1/me", s.cookie, null).statusCode()).isEqualTo(401);
        assertThat(plain("GET", "/ui/session", s.cookie, null).statusCode()).isEqualTo(401);
    }

    @Test
    void theRunningConfigurationIsShownWithItsSecretsMasked() throws Exception {
        AdminClient.Reply config = master.ok("GET", "/config", null);
        assertThat(config.body()).doesNotContain(GatewayHarness.MASTER_KEY);
        assertThat(config.json().at("/config/auth/masterKey").asText()).isEqualTo("********");
        assertThat(config.json().path("source").asText()).endsWith("gatehouse.yaml");
        assertThat(config.json().path("loaded_at").asText()).isNotBlank();
        assertThat(config.json().path("last_reload_error").isNull()).isTrue();
        assertThat(config.json().at("/config/models").has("gpt-4o-mini")).isTrue();
    }

    private record Session(String cookie, String csrf) {}

    private Session signIn(String key) throws Exception {
        HttpResponse<String> r = plain("POST", "/ui/session", null, "{\"key\":\"" + key + "\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        String cookie = r.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
        return new Session(cookie, JSON.readTree(r.body()).path("csrf_token").asText());
    }

    private HttpResponse<String> plain(String method, String path, String cookie, String body) {
        return send(method, path, cookie, null, body);
    }

    private HttpResponse<String> send(String method, String path, String cookie, String csrf, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.origin() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (csrf != null) {
            b.header("X-CSRF-Token", csrf);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return gateway.send(b);
    }
}

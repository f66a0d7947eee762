package dev.gatehouse.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile values in the admin API's query parameters and JSON bodies: times outside what an
 * epoch-millisecond long holds, durations that overflow, numbers out of range, wrong JSON types
 * and oversized strings answer a 400 naming the parameter, never a 500.
 */
class AdminHostileInputTest {
    static GatewayHarness gateway;
    static AdminClient master;
    static AdminClient teamAdmin;
    static String teamA;
    static String keyId;

    @BeforeAll
    static void setUp() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        teamA = master.ok("POST", "/teams", "{\"name\":\"hostile-a\"}").text("id");
        String ta = master.ok("POST", "/users", "{\"name\":\"ta\",\"team_id\":\"" + teamA + "\",\"role\":\"team-admin\"}").text("id");
        teamAdmin = new AdminClient(gateway, master.ok("POST", "/keys", "{\"owner_id\":\"" + ta + "\"}").text("key"));
        keyId = master.ok("POST", "/keys", "{\"owner_id\":\"" + teamA + "\"}").text("id");
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static void badRequest(AdminClient client, String method, String path, String body, String param) {
        AdminClient.Reply reply = client.send(method, path, body);
        assertThat(reply.status()).as(method + " " + path + " " + body + " -> " + reply.body()).isEqualTo(400);
        assertThat(reply.json().path("error").path("param").asText(null)).as(method + " " + path + " " + body).isEqualTo(param);
    }

    @Test
    void usageTimesWithAnExtremeYearAre400s() {
        for (String endpoint : List.of("/usage/summary", "/usage/latency", "/usage/requests")) {
            for (String time : List.of("+1000000000-01-01T00:00:00Z", "-1000000000-01-01T00:00:00Z", "+292278994-08-17T07:12:55.807Z",
                    "99999999999999999999", "9223372036854775807")) {
                badRequest(teamAdmin, "GET", endpoint + "?to=" + q(time), null, "to");
                badRequest(teamAdmin, "GET", endpoint + "?from=" + q(time) + "&to=1", null, "from");
            }
        }
        badRequest(teamAdmin, "GET", "/usage/summary?top=4294967297", null, "top");
        badRequest(teamAdmin, "GET", "/usage/requests?cursor=" + q("99999999999999999999999:x"), null, "cursor");
        assertThat(teamAdmin.get("/usage/summary?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z").status()).isEqualTo(200);
    }

    @Test
    void auditTimesWithAnExtremeYearAre400s() {
        badRequest(master, "GET", "/audit?since=" + q("+1000000000-01-01T00:00:00Z"), null, "since");
        badRequest(master, "GET", "/audit?until=" + q("+1000000000-01-01"), null, "until");
        badRequest(master, "GET", "/audit/export?until=" + q("-999999999-01-01T00:00:00Z"), null, "until");
        badRequest(master, "GET", "/audit?cursor=" + q("99999999999999999999999"), null, "cursor");
    }

    @Test
    void keyExpiryAndGraceThatOverflowAre400s() {
        String owner = "\"owner_id\":\"" + teamA + "\"";
        for (String expiresIn : List.of("9223372036854775807", "99999999999999999999999", "\"999999999d\"", "-5", "1.5", "{}", "[]",
                "true", "\"\"")) {
            badRequest(teamAdmin, "POST", "/keys", "{" + owner + ",\"expires_in\":" + expiresIn + "}", "expires_in");
        }
        for (String expiresAt : List.of("\"+1000000000-01-01T00:00:00Z\"", "\"-1000000000-01-01T00:00:00Z\"", "12", "{}")) {
            badRequest(teamAdmin, "POST", "/keys", "{" + owner + ",\"expires_at\":" + expiresAt + "}", "expires_at");
        }
        for (String grace : List.of("9223372036854775807", "99999999999999999999999", "\"999999999d\"", "-1", "\"soon\"")) {
            badRequest(teamAdmin, "POST", "/keys/" + keyId + "/rotate", "{\"grace\":" + grace + "}", "grace");
        }
        assertThat(teamAdmin.post("/keys", "{" + owner + ",\"expires_in\":\"30d\"}").status()).isEqualTo(201);
        assertThat(teamAdmin.post("/keys", "{" + owner + ",\"expires_in\":3600}").status()).isEqualTo(201);
    }

    @Test
    void pagingParametersOutOfRangeAre400s() {
        for (String path : List.of("/keys", "/users", "/teams", "/policies", "/budgets", "/rate-limits", "/usage/requests")) {
            badRequest(master, "GET", path + "?limit=99999999999999999999", null, "limit");
            badRequest(master, "GET", path + "?limit=-1", null, "limit");
            badRequest(master, "GET", path + "?limit=abc", null, "limit");
        }
        String huge = "c".repeat(5000);
        for (String path : List.of("/keys", "/users", "/teams", "/policies")) {
            assertThat(master.get(path + "?cursor=" + huge).status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void wrongJsonTypesAndOutOfRangeNumbersAre400s() {
        badRequest(master, "POST", "/teams", "{\"name\":42}", "name");
        badRequest(master, "POST", "/teams", "{\"name\":[\"x\"]}", "name");
        badRequest(master, "POST", "/policies", "{\"name\":\"p-range\",\"max_tokens\":99999999999999999999}", "max_tokens");
        badRequest(master, "POST", "/policies", "{\"name\":\"p-range\",\"max_tokens\":1e400}", "max_tokens");
        badRequest(master, "POST", "/policies", "{\"name\":\"p-range\",\"models\":\"gpt\"}", "models");
        String rl = "{\"scope\":\"team\",\"subject\":\"" + teamA + "\",";
        for (String rpm : List.of("99999999999999999999999", "-18446744073709551615")) {
            AdminClient.Reply reply = master.post("/rate-limits", rl + "\"rpm\":" + rpm + "}");
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error").path("message").asText()).contains("rpm");
        }
        String budget = "{\"scope\":\"team\",\"subject\":\"" + teamA + "\",";
        for (String limit : List.of("\"limit_micros\":99999999999999999999999", "\"limit_usd\":1e300", "\"limit_usd\":1e400",
                "\"limit_usd\":\"1e999999999\"", "\"limit_usd\":\"1e-999999999\"")) {
            long started = System.nanoTime();
            AdminClient.Reply reply = master.post("/budgets", budget + limit + "}");
            assertThat(reply.status()).as(limit + " -> " + reply.body()).isEqualTo(400);
            assertThat(reply.body().length()).as(limit).isLessThan(2000);
            assertThat(System.nanoTime() - started).as(limit).isLessThan(2_000_000_000L);
        }
    }

    /** Key names are per owner, not unique: a team-admin naming a key learns nothing about other teams. */
    @Test
    void keyNamesUsedInAnotherTeamDoNotConflict() {
        String teamB = master.ok("POST", "/teams", "{\"name\":\"hostile-b\"}").text("id");
        String tb = master.ok("POST", "/users", "{\"name\":\"tb\",\"team_id\":\"" + teamB + "\",\"role\":\"team-admin\"}").text("id");
        AdminClient teamAdminB = new AdminClient(gateway, master.ok("POST", "/keys", "{\"owner_id\":\"" + tb + "\"}").text("key"));
        assertThat(teamAdmin.post("/keys", "{\"owner_id\":\"" + teamA + "\",\"name\":\"ci\"}").status()).isEqualTo(201);
        assertThat(teamAdminB.post("/keys", "{\"owner_id\":\"" + teamB + "\",\"name\":\"ci\"}").status()).isEqualTo(201);
    }

    @Test
    void hugeStringsAndControlCharactersAre400s() {
        String big = "n".repeat(300);
        badRequest(master, "POST", "/teams", "{\"name\":\"" + big + "\"}", "name");
        badRequest(master, "POST", "/users", "{\"name\":\"" + big + "\"}", "name");
        badRequest(master, "POST", "/users", "{\"name\":\"u\",\"email\":\"" + "e".repeat(400) + "@x.io\"}", "email");
        badRequest(master, "POST", "/policies", "{\"name\":\"" + big + "\"}", "name");
        badRequest(master, "POST", "/keys", "{\"owner_id\":\"" + teamA + "\",\"name\":\"" + big + "\"}", "name");
        badRequest(master, "POST", "/teams", "{\"name\":\"nul\\u0000here\"}", "name");
        badRequest(master, "POST", "/keys", "{\"owner_id\":\"" + "x".repeat(100_000) + "\"}", "owner_id");
    }
}

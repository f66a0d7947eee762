package dev.gatehouse.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Role × endpoint × (own team / other team): who may read and change what through the admin
 * API. Every caller authenticates with their own virtual key. Objects of another team answer
 * 404 (cannot even be probed); actions a role may never take answer 403.
 */
class TenantIsolationTest {
    static GatewayHarness gateway;
    static final Map<String, String> ids = new HashMap<>();
    static final Map<String, AdminClient> as = new HashMap<>();

    @BeforeAll
    static void setUp() {
        gateway = GatewayHarness.start(GatewayHarness.mockConfig());
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        ids.put("A", master.ok("POST", "/teams", "{\"name\":\"team-a\"}").text("id"));
        ids.put("B", master.ok("POST", "/teams", "{\"name\":\"team-b\"}").text("id"));
        user(master, "admin", null, "admin");
        user(master, "taA", "A", "team-admin");
        user(master, "mA", "A", "member");
        user(master, "auditor", null, "auditor");
        user(master, "uA2", "A", "member");
        user(master, "uB", "B", "member");
        ids.put("svcB", master.ok("POST", "/service-accounts", body("name", "batch", "team_id", ids.get("B"))).text("id"));
        for (String role : List.of("admin", "taA", "mA", "auditor")) {
            as.put(role, new AdminClient(gateway, master.ok("POST", "/keys", body("owner_id", ids.get(role))).text("key")));
        }
        key(master, "kA", "uA2");
        key(master, "kA2", "uA2");
        key(master, "kB", "uB");
        key(master, "kB2", "uB");
        key(master, "mAspare", "mA");
        ids.put("pA", master.ok("POST", "/policies", body("name", "pol-a", "team_id", ids.get("A"))).text("id"));
        ids.put("pB", master.ok("POST", "/policies", body("name", "pol-b", "team_id", ids.get("B"))).text("id"));
        ids.put("pOrg", master.ok("POST", "/policies", body("name", "pol-org")).text("id"));
        master.ok("POST", "/policies/" + ids.get("pOrg") + "/attachments", body("subject_type", "team", "subject_id", ids.get("A")));
        master.ok("POST", "/policies/" + ids.get("pOrg") + "/attachments", body("subject_type", "team", "subject_id", ids.get("B")));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    static void user(AdminClient master, String name, String team, String role) {
        ids.put(name, master.ok("POST", "/users", team == null ? body("name", name, "role", role)
                : body("name", name, "team_id", ids.get(team), "role", role)).text("id"));
    }

    static void key(AdminClient master, String name, String owner) {
        ids.put(name, master.ok("POST", "/keys", body("owner_id", ids.get(owner))).text("id"));
    }

    static String body(String... kv) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            json.append(i == 0 ? "" : ",").append('"').append(kv[i]).append("\":\"").append(kv[i + 1]).append('"');
        }
        return json.append('}').toString();
    }

    /** role, method, path (with {name} placeholders), body (placeholders too) or null, expected status. */
    record Case(String role, String method, String path, String body, int status) {}

    static final List<Case> CASES = List.of(
            // member of team A: their own team and their own keys only
            new Case("mA", "GET", "/teams", null, 200),
            new Case("mA", "GET", "/teams/{A}", null, 200),
            new Case("mA", "GET", "/teams/{B}", null, 404),
            new Case("mA", "POST", "/teams", "{\"name\":\"m-team\"}", 403),
            new Case("mA", "PATCH", "/teams/{A}", "{\"name\":\"x\"}", 403),
            new Case("mA", "DELETE", "/teams/{B}", null, 403),
            new Case("mA", "GET", "/users", null, 403),
            new Case("mA", "GET", "/users/{mA}", null, 200),
            new Case("mA", "GET", "/users/{uA2}", null, 404),
            new Case("mA", "GET", "/users/{uB}", null, 404),
            new Case("mA", "POST", "/users", "{\"name\":\"x\"}", 403),
            new Case("mA", "PATCH", "/users/{uB}", "{\"name\":\"x\"}", 403),
            new Case("mA", "DELETE", "/users/{uB}", null, 403),
            new Case("mA", "GET", "/service-accounts", null, 403),
            new Case("mA", "GET", "/keys/{kA}", null, 404),
            new Case("mA", "GET", "/keys/{kB}", null, 404),
            new Case("mA", "POST", "/keys/{kB}/revoke", null, 404),
            new Case("mA", "POST", "/keys/{kA}/rotate", null, 404),
            new Case("mA", "POST", "/keys", "{\"owner_id\":\"{uB}\"}", 404),
            new Case("mA", "POST", "/keys", "{\"owner_id\":\"{uA2}\"}", 404),
            new Case("mA", "POST", "/keys", "{\"owner_id\":\"{A}\"}", 404),
            new Case("mA", "POST", "/keys", "{}", 201),
            new Case("mA", "POST", "/keys/{mAspare}/revoke", null, 200),
            new Case("mA", "GET", "/policies", null, 403),
            new Case("mA", "GET", "/policies/{pB}", null, 403),
            new Case("mA", "POST", "/policies", "{\"name\":\"m-pol\"}", 403),
            // team-admin of team A: everything in team A, nothing in team B
            new Case("taA", "GET", "/teams/{A}", null, 200),
            new Case("taA", "GET", "/teams/{B}", null, 404),
            new Case("taA", "POST", "/teams", "{\"name\":\"ta-team\"}", 403),
            new Case("taA", "DELETE", "/teams/{B}", null, 403),
            new Case("taA", "GET", "/users", null, 200),
            new Case("taA", "GET", "/users/{uA2}", null, 200),
            new Case("taA", "GET", "/users/{uB}", null, 404),
            new Case("taA", "PATCH", "/users/{uB}", "{\"name\":\"x\"}", 404),
            new Case("taA", "DELETE", "/users/{uB}", null, 404),
            new Case("taA", "PATCH", "/users/{uA2}", "{\"name\":\"renamed\"}", 200),
            new Case("taA", "PATCH", "/users/{uA2}", "{\"team_id\":\"{B}\"}", 404),
            new Case("taA", "PATCH", "/users/{mA}", "{\"role\":\"admin\"}", 403),
            new Case("taA", "POST", "/users", "{\"name\":\"x\",\"team_id\":\"{B}\"}", 404),
            new Case("taA", "POST", "/users", "{\"name\":\"x\",\"role\":\"admin\"}", 403),
            new Case("taA", "POST", "/users", "{\"name\":\"new-a\"}", 201),
            new Case("taA", "GET", "/service-accounts/{svcB}", null, 404),
            new Case("taA", "GET", "/keys/{kA}", null, 200),
            new Case("taA", "GET", "/keys/{kB}", null, 404),
            new Case("taA", "POST", "/keys/{kB}/revoke", null, 404),
            new Case("taA", "POST", "/keys/{kB}/rotate", null, 404),
            new Case("taA", "POST", "/keys", "{\"owner_id\":\"{uB}\"}", 404),
            new Case("taA", "POST", "/keys", "{\"owner_id\":\"{B}\"}", 404),
            new Case("taA", "POST", "/keys", "{\"owner_id\":\"{uA2}\"}", 201),
            new Case("taA", "POST", "/keys", "{\"owner_id\":\"{A}\"}", 201),
            new Case("taA", "POST", "/keys/{kA2}/revoke", null, 200),
            new Case("taA", "GET", "/policies/{pA}", null, 200),
            new Case("taA", "GET", "/policies/{pOrg}", null, 200),
            new Case("taA", "GET", "/policies/{pB}", null, 404),
            new Case("taA", "PATCH", "/policies/{pB}", "{\"models\":[\"*\"]}", 404),
            new Case("taA", "DELETE", "/policies/{pB}", null, 404),
            new Case("taA", "POST", "/policies", "{\"name\":\"ta-b\",\"team_id\":\"{B}\"}", 404),
            new Case("taA", "POST", "/policies/{pB}/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"{A}\"}", 404),
            new Case("taA", "POST", "/policies/{pA}/attachments", "{\"subject_type\":\"team\",\"subject_id\":\"{B}\"}", 404),
            new Case("taA", "POST", "/policies/{pA}/attachments", "{\"subject_type\":\"key\",\"subject_id\":\"{kB}\"}", 404),
            new Case("taA", "POST", "/policies/{pA}/attachments", "{\"subject_type\":\"key\",\"subject_id\":\"{kA}\"}", 201),
            new Case("taA", "PATCH", "/policies/{pOrg}", "{\"models\":[\"*\"]}", 403),
            new Case("taA", "DELETE", "/policies/{pOrg}/attachments/team/{A}", null, 403),
            new Case("taA", "PATCH", "/policies/{pA}", "{\"max_tokens\":1000}", 200),
            // auditor: reads everything, changes nothing
            new Case("auditor", "GET", "/teams/{B}", null, 200),
            new Case("auditor", "GET", "/users", null, 200),
            new Case("auditor", "GET", "/users/{uB}", null, 200),
            new Case("auditor", "GET", "/keys/{kB}", null, 200),
            new Case("auditor", "GET", "/policies/{pB}", null, 200),
            new Case("auditor", "GET", "/service-accounts/{svcB}", null, 200),
            new Case("auditor", "POST", "/teams", "{\"name\":\"aud-team\"}", 403),
            new Case("auditor", "POST", "/users", "{\"name\":\"x\"}", 403),
            new Case("auditor", "PATCH", "/users/{uB}", "{\"name\":\"x\"}", 403),
            new Case("auditor", "POST", "/keys", "{\"owner_id\":\"{uB}\"}", 403),
            new Case("auditor", "POST", "/keys/{kB}/revoke", null, 403),
            new Case("auditor", "POST", "/policies", "{\"name\":\"aud-pol\"}", 403),
            new Case("auditor", "DELETE", "/policies/{pB}", null, 403),
            // admin: everything, except making owners
            new Case("admin", "GET", "/users/{uB}", null, 200),
            new Case("admin", "PATCH", "/teams/{B}", "{\"name\":\"team-b2\"}", 200),
            new Case("admin", "POST", "/keys/{kB2}/revoke", null, 200),
            new Case("admin", "POST", "/users", "{\"name\":\"boss\",\"role\":\"owner\"}", 403),
            new Case("admin", "POST", "/users", "{\"name\":\"new-admin\",\"role\":\"admin\"}", 201));

    @Test
    void everyRoleReachesExactlyItsOwnTeamsData() {
        List<String> wrong = new ArrayList<>();
        for (Case c : CASES) {
            AdminClient.Reply reply = as.get(c.role()).send(c.method(), fill(c.path()), c.body() == null ? null : fill(c.body()));
            if (reply.status() != c.status()) {
                wrong.add(c + " -> " + reply.status() + " " + reply.body());
            }
        }
        assertThat(wrong).as("cases with an unexpected status").isEmpty();
    }

    @Test
    void aPolicyNameUsedInAnotherTeamIsNeitherRevealedNorTakenFromYours() {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        String inB = master.ok("POST", "/policies", body("name", "shared-name", "team_id", ids.get("B"))).text("id");
        // Team A's admin may use the name: it learns nothing of team B's policy (was 409).
        AdminClient.Reply created = as.get("taA").post("/policies", "{\"name\":\"shared-name\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String inA = created.text("id");
        assertThat(created.json().path("team_id").asText()).isEqualTo(ids.get("A"));
        // Within the team the name is still unique.
        AdminClient.Reply again = as.get("taA").post("/policies", "{\"name\":\"shared-name\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body()).doesNotContain(inB);
        // Renaming another of team A's policies to a name team B uses is allowed too.
        String other = as.get("taA").ok("POST", "/policies", "{\"name\":\"a-other\"}").text("id");
        master.ok("POST", "/policies", body("name", "b-only", "team_id", ids.get("B")));
        assertThat(as.get("taA").patch("/policies/" + other, "{\"name\":\"b-only\"}").status()).isEqualTo(200);
        // A name on a key means the key's team's policy, never another team's.
        String keyA = as.get("taA").ok("POST", "/keys", "{\"owner_id\":\"" + ids.get("uA2") + "\",\"policies\":[\"shared-name\"]}").text("id");
        String keyB = master.ok("POST", "/keys", "{\"owner_id\":\"" + ids.get("uB") + "\",\"policies\":[\"shared-name\"]}").text("id");
        assertThat(master.ok("GET", "/policies/" + inA + "/attachments", null).body()).contains(keyA).doesNotContain(keyB);
        assertThat(master.ok("GET", "/policies/" + inB + "/attachments", null).body()).contains(keyB).doesNotContain(keyA);
        // The organisation-wide view lists both.
        JsonNode all = master.ok("GET", "/policies?limit=500", null).json().path("data");
        List<String> named = new ArrayList<>();
        all.forEach(p -> {
            if (p.path("name").asText().equals("shared-name")) {
                named.add(p.path("id").asText());
            }
        });
        assertThat(named).containsExactlyInAnyOrder(inA, inB);
    }

    @Test
    void whetherAnEmailIsTakenInAnotherTeamCannotBeLearnt() {
        AdminClient master = new AdminClient(gateway, GatewayHarness.MASTER_KEY);
        master.ok("POST", "/users", body("name", "bob", "email", "bob@b.example", "team_id", ids.get("B")));
        AdminClient.Reply taken = as.get("taA").post("/users", body("name", "x", "email", "bob@b.example"));
        AdminClient.Reply free = as.get("taA").post("/users", body("name", "x", "email", "nobody@a.example"));
        // The same answer whether or not the address exists elsewhere (was 409 for the taken one).
        assertThat(taken.status()).as(taken.body()).isEqualTo(403);
        assertThat(free.status()).isEqualTo(taken.status());
        assertThat(free.body()).isEqualTo(taken.body());
        AdminClient.Reply update = as.get("taA").patch("/users/" + ids.get("uA2"), body("email", "bob@b.example"));
        assertThat(update.status()).isEqualTo(403);
        assertThat(update.body()).isEqualTo(as.get("taA").patch("/users/" + ids.get("uA2"), body("email", "free@a.example")).body());
        // Owners and admins, who see every team, still get the conflict.
        assertThat(as.get("admin").post("/users", body("name", "y", "email", "bob@b.example", "team_id", ids.get("A"))).status())
                .isEqualTo(409);
        assertThat(as.get("admin").post("/users", body("name", "y", "email", "y@a.example", "team_id", ids.get("A"))).status())
                .isEqualTo(201);
    }

    @Test
    void listingsAreScopedToTheCallersTeamOrSelf() {
        for (JsonNode u : as.get("taA").ok("GET", "/users", null).json().path("data")) {
            assertThat(u.path("team_id").asText()).isEqualTo(ids.get("A"));
        }
        JsonNode teamKeys = as.get("taA").ok("GET", "/keys", null).json().path("data");
        assertThat(teamKeys).isNotEmpty().allSatisfy(k -> assertThat(k.path("team_id").asText()).isEqualTo(ids.get("A")));
        JsonNode ownKeys = as.get("mA").ok("GET", "/keys", null).json().path("data");
        assertThat(ownKeys).isNotEmpty().allSatisfy(k -> assertThat(k.path("owner_id").asText()).isEqualTo(ids.get("mA")));
        JsonNode policies = as.get("taA").ok("GET", "/policies", null).json().path("data");
        assertThat(policies).allSatisfy(p -> assertThat(p.path("team_id").asText(null)).isIn(ids.get("A"), null));
        JsonNode attachments = as.get("taA").ok("GET", "/policies/" + ids.get("pOrg") + "/attachments", null).json().path("data");
        assertThat(attachments).hasSize(1);
        assertThat(attachments.get(0).path("subject_id").asText()).isEqualTo(ids.get("A"));
        assertThat(as.get("auditor").ok("GET", "/keys", null).json().path("data").size()).isGreaterThan(teamKeys.size());
        // Keys are never listed with their secret.
        assertThat(as.get("admin").ok("GET", "/keys", null).body()).doesNotContain("\"key\"");
    }

    @Test
    void theOpenApiDocumentListsTheIdentityEndpoints() {
        var doc = gateway.get("/admin/v1/openapi.json");
        assertThat(doc.statusCode()).isEqualTo(200);
        assertThat(doc.body()).contains("/teams/{teamId}", "/keys/{keyId}/rotate", "/policies/{policyId}/attachments",
                "/service-accounts");
    }

    static String fill(String template) {
        Matcher m = Pattern.compile("\\{([A-Za-z0-9]+)}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String id = ids.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(id == null ? m.group(0) : id));
        }
        m.appendTail(out);
        return out.toString();
    }
}

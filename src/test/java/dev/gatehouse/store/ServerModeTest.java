package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway in server mode on PostgreSQL (a fresh schema on the shared server). Fails, never
 * skips, when PostgreSQL is not reachable.
 */
class ServerModeTest {
    private TestPostgres pg;

    @BeforeEach
    void schema() throws Exception {
        pg = TestPostgres.createSchema();
    }

    @AfterEach
    void drop() throws Exception {
        pg.drop();
    }

    @Test
    void generatedMasterKeyIsStoredOnlyAsAHashAndReusedOnTheNextStart() throws Exception {
        String yaml = GatewayHarness.mockConfig() + """
                storage:
                  url: "%s"
                """.formatted(pg.url());

        String key;
        try (GatewayHarness first = GatewayHarness.start(yaml, false)) {
            assertThat(first.gatehouse().masterKeyOrigin()).isEqualTo("generated");
            assertThat(first.gatehouse().storageUrl()).contains("postgresql");
            key = first.gatehouse().generatedMasterKey();
            assertThat(key).isNotBlank();
            assertThat(status(first, key)).isEqualTo(200);
            assertThat(status(first, GatewayHarness.MASTER_KEY)).isEqualTo(401);
        }

        Map<String, String> settings = settings();
        assertThat(settings).containsKey("auth.master-key.sha256");
        String stored = settings.get("auth.master-key.sha256");
        assertThat(stored).matches("[0-9a-f]{64}");
        assertThat(stored).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))));
        assertThat(settings.values()).noneMatch(v -> v.contains(key));

        try (GatewayHarness second = GatewayHarness.start(yaml, false)) {
            assertThat(second.gatehouse().masterKeyOrigin()).isEqualTo("stored");
            assertThat(second.gatehouse().generatedMasterKey()).isNull();
            assertThat(status(second, key)).isEqualTo(200);
            assertThat(status(second, key + "x")).isEqualTo(401);
        }
        assertThat(settings()).isEqualTo(settings);
    }

    private static int status(GatewayHarness gateway, String key) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.origin() + "/v1/models"))
                .header("Authorization", "Bearer " + key).GET()).statusCode();
    }

    private Map<String, String> settings() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT key, value FROM settings ORDER BY key")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }
}

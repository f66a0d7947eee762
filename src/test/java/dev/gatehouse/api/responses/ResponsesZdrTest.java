package dev.gatehouse.api.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.GatewayHarness;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Under zero data retention a Responses call stores nothing, and previous_response_id is a clear 400. */
class ResponsesZdrTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nothingIsStoredAndPreviousResponseIdIsRefused() throws Exception {
        try (GatewayHarness gateway = GatewayHarness.start("""
                providers:
                  mock: {kind: mock, zdr: true, mock: {chunk-delay: 1ms, output-tokens: 5}}
                models:
                  gpt-4o-mini:
                    targets: [{provider: mock}]
                zdr:
                  enabled: true
                """)) {
            var plain = gateway.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"private words\"}");
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
            JsonNode response = JSON.readTree(plain.body());
            assertThat(response.get("store").asBoolean()).isFalse();
            var streamed = gateway.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"private words\",\"stream\":true}");
            assertThat(streamed.body()).contains("response.completed");
            assertThat(gateway.get("/v1/responses/" + response.get("id").asText()).statusCode()).isEqualTo(404);

            var followUp = gateway.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"more\",\"previous_response_id\":\""
                    + response.get("id").asText() + "\"}");
            assertThat(followUp.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(followUp.body()).get("error");
            assertThat(error.get("param").asText()).isEqualTo("previous_response_id");
            assertThat(error.get("message").asText()).contains("zero data retention");

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + gateway.dir().resolve("data/gatehouse.db"));
                    Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM responses")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}

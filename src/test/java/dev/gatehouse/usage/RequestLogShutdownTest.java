package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.gatehouse.store.Database;
import dev.gatehouse.testing.GatewayHarness;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Stopping the gateway right after traffic loses no request-log record: close drains the queue. */
class RequestLogShutdownTest {

    @Test
    void recordsQueuedAtShutdownAreWrittenBeforeTheDatabaseCloses() {
        // A long flush interval: without the drain on close, these records would still be in the queue.
        GatewayHarness gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                request-log:
                  flush-interval: 60s
                  batch-size: 10000
                """);
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(GatewayHarness.MASTER_KEY)
                .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
        int n = 40;
        for (int i = 0; i < n; i++) {
            client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                    .addUserMessage("request " + i).build());
        }
        gateway.close();

        try (Database db = Database.open(null, null, null, gateway.dir().resolve("data"))) {
            long rows = db.call(c -> {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT COUNT(*), SUM(output_tokens) FROM request_log")) {
                    rs.next();
                    assertThat(rs.getLong(2)).isEqualTo(12L * n); // the mock answers 12 tokens each
                    return rs.getLong(1);
                }
            });
            assertThat(rows).isEqualTo(n);
        }
    }
}

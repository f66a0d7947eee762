package dev.gatehouse.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptsJsonTest {
    @Test
    void roundTripsAttemptsIncludingNullsAndQuotes() {
        List<RequestRecord.Attempt> attempts = List.of(
                new RequestRecord.Attempt("azure \"eu\"", "gpt-4o", 429, "rate_limited", 12),
                new RequestRecord.Attempt("openai", "gpt-4o-2024-08-06", 200, null, 412));
        String json = AttemptsJson.write(attempts);
        assertThat(json).startsWith("[{\"provider\":\"azure \\\"eu\\\"\"");
        assertThat(AttemptsJson.read(json)).isEqualTo(attempts);
        assertThat(AttemptsJson.read(AttemptsJson.write(List.of()))).isEmpty();
    }

    @Test
    void unreadableValuesGiveNoAttemptsInsteadOfFailingTheListing() {
        assertThat(AttemptsJson.read("not json")).isEmpty();
        assertThat(AttemptsJson.read("{\"a\":1}")).isEmpty();
        assertThat(AttemptsJson.read("[{\"provider\":\"p\",\"extra\":{\"x\":[1]},\"status\":500}]"))
                .containsExactly(new RequestRecord.Attempt("p", null, 500, null, 0));
    }
}

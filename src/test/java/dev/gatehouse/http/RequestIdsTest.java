package dev.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void generatedIdsAreUniqueAndOrderedByTime() {
        String earlier = RequestIds.generate(1_700_000_000_000L);
        String later = RequestIds.generate(1_700_000_000_001L);
        assertThat(earlier).matches("req_[0-9a-f]{32}").startsWith("req_018bcfe56800");
        assertThat(later.compareTo(earlier)).isPositive();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(RequestIds.generate(1_700_000_000_000L)); // same millisecond: the random part keeps them apart
        }
        assertThat(ids).hasSize(100_000);
    }

    @Test
    void callerIdsAreKeptOnlyWhenTheyAreSaneTokens() {
        assertThat(RequestIds.fromCallerOrNew("trace-42:a.b_c")).isEqualTo("trace-42:a.b_c");
        assertThat(RequestIds.fromCallerOrNew("bad id")).startsWith("req_");
        assertThat(RequestIds.fromCallerOrNew("x".repeat(129))).startsWith("req_");
        assertThat(RequestIds.fromCallerOrNew(null)).startsWith("req_");
    }
}

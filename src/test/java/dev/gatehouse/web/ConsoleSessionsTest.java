package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleSessionsTest {
    @Test
    void aSessionLivesUntilItsExpiryOrSignOut() {
        AtomicLong now = new AtomicLong(1_000);
        ConsoleSessions sessions = new ConsoleSessions(Duration.ofMinutes(10), now::get);
        ConsoleSessions.Opened opened = sessions.open("gh-key");
        assertThat(sessions.find(opened.id()).credential()).isEqualTo("gh-key");
        assertThat(sessions.find(opened.id() + "x")).isNull();
        now.addAndGet(Duration.ofMinutes(10).toMillis());
        assertThat(sessions.find(opened.id())).isNull();

        ConsoleSessions.Opened other = sessions.open("gh-key");
        assertThat(other.id()).isNotEqualTo(opened.id());
        assertThat(other.session().csrf()).isNotEqualTo(opened.session().csrf());
        sessions.close(other.id());
        assertThat(sessions.find(other.id())).isNull();
    }

    @Test
    void csrfTokensCompareExactly() {
        ConsoleSessions.Session s = new ConsoleSessions(Duration.ofMinutes(1), () -> 0).open("k").session();
        assertThat(ConsoleSessions.csrfMatches(s, s.csrf())).isTrue();
        assertThat(ConsoleSessions.csrfMatches(s, null)).isFalse();
        assertThat(ConsoleSessions.csrfMatches(s, s.csrf() + "a")).isFalse();
    }

    @Test
    void theNumberOfSessionsIsBoundedAndTheNewestSurvive() {
        AtomicLong now = new AtomicLong();
        ConsoleSessions sessions = new ConsoleSessions(Duration.ofHours(1), now::get);
        String first = sessions.open("k").id();
        String last = null;
        for (int i = 1; i < ConsoleSessions.MAX_SESSIONS + 5; i++) {
            now.incrementAndGet();
            last = sessions.open("k").id();
        }
        assertThat(sessions.size()).isEqualTo(ConsoleSessions.MAX_SESSIONS);
        assertThat(sessions.find(first)).isNull();
        assertThat(sessions.find(last)).isNotNull();
    }
}

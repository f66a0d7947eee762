package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void durations() {
        assertThat(Values.duration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Values.duration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Values.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Values.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Values.duration("1500")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Values.duration("0")).isZero();
        assertThat(Values.duration(" 10 s ")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badDurations() {
        for (String bad : new String[] {"", "1.5s", "-1s", "10x", "s", "1d", "10S", "99999999999999999999"}) {
            assertThatThrownBy(() -> Values.duration(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Values.duration("10x")).hasMessageContaining("invalid duration '10x'");
    }

    @Test
    void sizes() {
        assertThat(Values.size("1024")).isEqualTo(1024);
        assertThat(Values.size("512KiB")).isEqualTo(512L * 1024);
        assertThat(Values.size("32MiB")).isEqualTo(32L * 1024 * 1024);
        assertThat(Values.size("1GiB")).isEqualTo(1L << 30);
        assertThat(Values.size("10MB")).isEqualTo(10_000_000L);
        assertThat(Values.size("2kb")).isEqualTo(2000);
        assertThat(Values.size("7B")).isEqualTo(7);
    }

    @Test
    void badSizes() {
        for (String bad : new String[] {"", "1.5MiB", "-3", "12 parsecs", "MiB", "99999999999GiB"}) {
            assertThatThrownBy(() -> Values.size(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Values.size("12XB")).hasMessageContaining("invalid size '12XB'");
    }

    @Test
    void suggestions() {
        assertThat(Suggestions.didYouMean("base_url", java.util.List.of("kind", "base-url", "api-key")))
                .isEqualTo(" (did you mean 'base-url'?)");
        assertThat(Suggestions.didYouMean("porr", java.util.List.of("host", "port"))).isEqualTo(" (did you mean 'port'?)");
        assertThat(Suggestions.didYouMean("completely-different", java.util.List.of("host", "port"))).isEmpty();
    }
}

package dev.gatehouse.routing;

import static dev.gatehouse.routing.Targets.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.routing.TargetHealth.Outcome;
import dev.gatehouse.routing.TargetStatus.Circuit;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The breaker state machine, on a clock the test moves. */
class TargetMonitorTest {
    final Targets.TestClock clock = new Targets.TestClock();
    final AtomicReference<RoutingConfig.CircuitBreaker> settings =
            new AtomicReference<>(new RoutingConfig.CircuitBreaker(3, 50, 10, Duration.ofSeconds(30), "least-bad"));
    final TargetMonitor health = new TargetMonitor(settings::get, clock);
    final Target a = target("a", "gpt-4o");

    @Test
    void opensAfterConsecutiveFailuresAndStaysOpenForTheCooldown() {
        // a large window: the error rate cannot decide within these few calls
        settings.set(new RoutingConfig.CircuitBreaker(3, 50, 100, Duration.ofSeconds(30), "least-bad"));
        fail(a);
        fail(a);
        succeed(a); // a success resets the run
        fail(a);
        fail(a);
        assertThat(health.available(a)).isTrue();
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
        fail(a);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.OPEN);
        assertThat(health.status(a).openedAtMillis()).isEqualTo(clock.millis());
        assertThat(health.available(a)).isFalse();
        clock.advance(Duration.ofSeconds(29));
        assertThat(health.available(a)).isFalse();
    }

    @Test
    void everyTransitionOfTheBreakerIsAnnouncedOnceAndOrdinaryCallsAnnounceNothing() {
        java.util.List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
        health.announceTo(new BreakerEvents() {
            @Override
            public void opened(String targetKey) {
                announced.add("open");
            }

            @Override
            public void closed(String targetKey) {
                announced.add("closed");
            }
        });
        for (int i = 0; i < 4; i++) {
            succeed(a);
        }
        assertThat(announced).as("calls that change nothing announce nothing").isEmpty();
        fail(a);
        fail(a);
        fail(a);
        assertThat(announced).containsExactly("open");
        // Cooldown over: the next request is the probe (open -> half-open, not announced); it answers.
        clock.advance(Duration.ofSeconds(31));
        assertThat(health.available(a)).isTrue();
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.HALF_OPEN);
        succeed(a);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
        assertThat(announced).containsExactly("open", "closed");
        // Opens again; tried as the least-bad while open and fails: the cooldown restarts, announced again.
        fail(a);
        fail(a);
        fail(a);
        clock.advance(Duration.ofSeconds(5));
        fail(a);
        assertThat(health.status(a).openedAtMillis()).isEqualTo(clock.millis());
        assertThat(announced).containsExactly("open", "closed", "open", "open");
    }

    @Test
    void transitionsAreAnnouncedAndAPeersNewsOpensAndClosesTheBreakerHereWithoutEchoingIt() {
        java.util.List<String> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
        health.announceTo(new BreakerEvents() {
            @Override
            public void opened(String targetKey) {
                announced.add("open " + targetKey);
            }

            @Override
            public void closed(String targetKey) {
                announced.add("closed " + targetKey);
            }
        });
        fail(a);
        fail(a);
        fail(a);
        assertThat(announced).containsExactly("open " + a.key());

        // Another node saw target b fail: this node, which never called it, avoids it from its first call.
        Target b = target("b", "gpt-4o");
        health.peer(b.key(), true);
        assertThat(health.available(b)).isFalse();
        assertThat(health.status(b).circuit()).isEqualTo(Circuit.OPEN);
        // ... until the cooldown, like any open breaker; or until a peer's probe found it answering.
        health.peer(b.key(), false);
        assertThat(health.available(b)).isTrue();
        health.peer(a.key(), false);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
        assertThat(announced).as("news from peers is not announced back").containsExactly("open " + a.key());
        health.peer("c/unknown", false); // nothing to close: nothing created
        assertThat(health.status(target("c", "unknown")).circuit()).isEqualTo(Circuit.CLOSED);
    }

    @Test
    void opensOnTheFailureRateOnceHalfTheWindowHasHappened() {
        settings.set(new RoutingConfig.CircuitBreaker(100, 50, 10, Duration.ofSeconds(30), "least-bad"));
        fail(a);
        succeed(a);
        fail(a);
        succeed(a);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED); // 4 calls < half the window
        fail(a); // 3 of 5 failed: 60 % ≥ 50 %
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.OPEN);
        assertThat(health.available(a)).isFalse();
    }

    @Test
    void afterTheCooldownLetsOneProbeThroughAndClosesWhenItSucceeds() {
        open(a);
        clock.advance(Duration.ofSeconds(31));
        assertThat(health.available(a)).isTrue(); // the probe
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.HALF_OPEN);
        assertThat(health.available(a)).isFalse(); // only one at a time
        succeed(a);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
        assertThat(health.available(a)).isTrue();
        assertThat(health.available(a)).isTrue();
    }

    @Test
    void aFailedProbeReopensForAnotherCooldown() {
        open(a);
        clock.advance(Duration.ofSeconds(31));
        assertThat(health.available(a)).isTrue();
        fail(a);
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.OPEN);
        assertThat(health.status(a).openedAtMillis()).isEqualTo(clock.millis());
        clock.advance(Duration.ofSeconds(29));
        assertThat(health.available(a)).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(health.available(a)).isTrue();
    }

    @Test
    void aNeutralProbeLetsAnotherProbeGo() {
        open(a);
        clock.advance(Duration.ofSeconds(31));
        assertThat(health.available(a)).isTrue();
        health.started(a);
        health.finished(a, Outcome.NEUTRAL, 0, 1, 0); // e.g. the caller's bad request: says nothing about a
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.HALF_OPEN);
        assertThat(health.available(a)).isTrue();
    }

    @Test
    void aProbeNeverReportedIsTakenBackAfterTheTargetsTotalDeadline() {
        open(a);
        clock.advance(Duration.ofSeconds(31));
        assertThat(health.available(a)).isTrue(); // planned, but an earlier target answered
        assertThat(health.available(a)).isFalse();
        clock.advance(a.timeouts().total().plusSeconds(1));
        assertThat(health.available(a)).isTrue();
    }

    @Test
    void aSuccessWhileOpenClosesAndAFailureWhileOpenRestartsTheCooldown() {
        open(a);
        long opened = health.status(a).openedAtMillis();
        clock.advance(Duration.ofSeconds(10));
        fail(a); // tried as the least-bad target, failed again
        assertThat(health.status(a).openedAtMillis()).isEqualTo(opened + 10_000);
        succeed(a); // tried as the least-bad target, answered
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
        assertThat(health.available(a)).isTrue();
    }

    @Test
    void stateIsKeptByTargetKeySoItSurvivesAReloadThatKeepsTheTarget() {
        open(a);
        Target sameAfterReload = target("a", "gpt-4o");
        assertThat(health.available(sameAfterReload)).isFalse();
        assertThat(health.available(target("a", "gpt-4o-mini"))).isTrue();
        health.retain(Set.of("a/gpt-4o-mini"));
        assertThat(health.available(sameAfterReload)).isTrue(); // removed from config, forgotten
    }

    @Test
    void changedBreakerSettingsReplaceTheBreakerButKeepStatistics() {
        health.started(a);
        open(a);
        settings.set(new RoutingConfig.CircuitBreaker(5, 50, 10, Duration.ofSeconds(30), "least-bad"));
        assertThat(health.available(a)).isTrue();
        assertThat(health.status(a).inFlight()).isEqualTo(1);
    }

    @Test
    void neutralOutcomesDoNotCountAgainstTheTarget() {
        for (int i = 0; i < 10; i++) {
            health.started(a);
            health.finished(a, Outcome.NEUTRAL, 0, 1, 0);
        }
        assertThat(health.status(a).circuit()).isEqualTo(Circuit.CLOSED);
    }

    private void open(Target t) {
        fail(t);
        fail(t);
        fail(t);
        assertThat(health.status(t).circuit()).isEqualTo(Circuit.OPEN);
    }

    private void fail(Target t) {
        health.started(t);
        health.finished(t, Outcome.FAILURE, 0, 1_000_000, 0);
    }

    private void succeed(Target t) {
        health.started(t);
        health.finished(t, Outcome.SUCCESS, 1_000_000, 2_000_000, 10);
    }
}

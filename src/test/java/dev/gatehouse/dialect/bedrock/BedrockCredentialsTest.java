package dev.gatehouse.dialect.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

class BedrockCredentialsTest {
    final Vertx vertx = Vertx.vertx();
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    final AtomicInteger resolved = new AtomicInteger();
    final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now.get(); }
    };
    /** Each resolution hands out new session credentials valid for one hour from "now". */
    final AwsCredentialsProvider source = () -> {
        int n = resolved.incrementAndGet();
        return AwsSessionCredentials.builder().accessKeyId("AKIATEST" + n).secretAccessKey("s" + n).sessionToken("t" + n)
                .expirationTime(now.get().plus(Duration.ofHours(1))).build();
    };

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    AwsCredentialsIdentity get(BedrockCredentials c) throws Exception {
        return c.get().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void cachedUntilFiveMinutesBeforeExpiryThenRefreshed() throws Exception {
        BedrockCredentials credentials = new BedrockCredentials(vertx, () -> source, clock);
        assertThat(get(credentials).accessKeyId()).isEqualTo("AKIATEST1");
        now.set(now.get().plus(Duration.ofMinutes(54)));
        assertThat(get(credentials).accessKeyId()).isEqualTo("AKIATEST1"); // six minutes left: still cached
        now.set(now.get().plus(Duration.ofMinutes(2)));
        assertThat(get(credentials).accessKeyId()).isEqualTo("AKIATEST2"); // four minutes left: refreshed before expiry
        assertThat(resolved.get()).isEqualTo(2);
    }

    @Test
    void renewReplacesAStaleIdentityOnceForConcurrentCallers() throws Exception {
        BedrockCredentials credentials = new BedrockCredentials(vertx, () -> source, clock);
        AwsCredentialsIdentity stale = get(credentials);
        AwsCredentialsIdentity a = credentials.renew(stale).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        AwsCredentialsIdentity b = credentials.renew(stale).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(a.accessKeyId()).isEqualTo("AKIATEST2");
        assertThat(b).isSameAs(a); // the second caller with the same stale identity gets the renewed one
        assertThat(resolved.get()).isEqualTo(2);
    }

    @Test
    void aSourceThatFailsKeepsServingCredentialsThatHaveNotLapsed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AwsCredentialsProvider flaky = () -> {
            if (calls.incrementAndGet() > 1) {
                throw new IllegalStateException("metadata service down");
            }
            return source.resolveCredentials();
        };
        BedrockCredentials credentials = new BedrockCredentials(vertx, () -> flaky, clock);
        assertThat(get(credentials).accessKeyId()).isEqualTo("AKIATEST1");
        now.set(now.get().plus(Duration.ofMinutes(57)));
        assertThat(get(credentials).accessKeyId()).isEqualTo("AKIATEST1"); // refresh failed, three minutes left
        now.set(now.get().plus(Duration.ofMinutes(4)));
        assertThat(credentials.get().toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(5, TimeUnit.SECONDS))
                .hasMessageContaining("metadata service down");
    }

    @Test
    void aSourceThatHangsFailsTheCallAtTheDeadlineAndTheNextCallResolvesAgain() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AwsCredentialsProvider hanging = () -> {
            if (calls.incrementAndGet() == 1) {
                try {
                    Thread.sleep(3_000); // an STS or metadata endpoint that accepts and never answers
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return source.resolveCredentials();
        };
        BedrockCredentials credentials = new BedrockCredentials(vertx, () -> hanging, clock, Duration.ofMillis(200));
        long start = System.nanoTime();
        assertThat(credentials.get().toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(5, TimeUnit.SECONDS))
                .isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(get(credentials).accessKeyId()).startsWith("AKIATEST"); // not stuck behind the abandoned resolution
    }
}

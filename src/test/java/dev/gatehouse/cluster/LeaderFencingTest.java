package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.Fence;
import dev.gatehouse.store.FencedOutException;
import dev.gatehouse.store.LeaderLock;
import dev.gatehouse.store.TestPostgres;
import dev.gatehouse.usage.RequestLogStore;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The leader lease's fencing token on the real PostgreSQL: node A leads, then is cut off from the
 * database (its link goes through a {@link TcpProxy} the test takes down) long enough for node B to
 * take over. When A's link returns, a run of background work A had started before (it was paused:
 * it still holds its fence) is refused at its next write, while B's writes go through.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaderFencingTest {

    @Test
    void aLeaderPausedPastItsLeaseIsFencedOffOnceAnotherTookOver() throws Exception {
        TestPostgres pg = TestPostgres.createSchema();
        URI direct = URI.create(pg.url().substring("jdbc:".length()));
        try (Database databaseB = Database.open(pg.url(), null, null, null); // migrates the schema
                TcpProxy link = new TcpProxy(direct.getHost(), direct.getPort() < 0 ? 5432 : direct.getPort());
                Database databaseA = Database.open("jdbc:postgresql://127.0.0.1:" + link.port() + direct.getRawPath() + "?"
                        + direct.getRawQuery(), null, null, null)) {
            RequestLogStore storeA = new RequestLogStore(databaseA);
            RequestLogStore storeB = new RequestLogStore(databaseB);
            try (LeaderLock a = LeaderLock.start(databaseA)) {
                await(a::isLeader, 10);
                assertThat(a.isLeader()).isTrue();
                long tokenA = a.token();
                Fence pausedRun = a.fence(); // a retention run starts on A ... and A pauses
                assertThat(storeA.deleteBatchesBefore(System.currentTimeMillis(), pausedRun)).isZero(); // its first write passes

                link.down(); // A's sessions end: PostgreSQL releases its lock
                try (LeaderLock b = LeaderLock.start(databaseB)) {
                    await(b::isLeader, 10);
                    assertThat(b.isLeader()).as("B takes over while A is cut off").isTrue();
                    assertThat(b.token()).isGreaterThan(tokenA);

                    link.up(); // A resumes its run, on new connections
                    RuntimeException refused = null;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                    while (refused == null && System.nanoTime() < deadline) {
                        try {
                            storeA.deleteBefore(System.currentTimeMillis(), 100, 1, pausedRun);
                            refused = new IllegalStateException("A's write went through after B took over");
                        } catch (FencedOutException e) {
                            refused = e;
                        } catch (RuntimeException e) {
                            Thread.sleep(100); // the pool is still replacing the connections the cut broke
                        }
                    }
                    assertThat(refused).isInstanceOf(FencedOutException.class);
                    assertThat(refused.getMessage()).contains("another node leads");
                    // The new leader's writes go through; A no longer leads once it noticed.
                    assertThat(storeB.deleteBatchesBefore(System.currentTimeMillis(), b.fence())).isZero();
                    await(() -> !a.isLeader(), 10);
                    assertThat(a.isLeader()).isFalse();
                    assertThat(a.fence()).as("no fence without the lease").isNull();
                }
            }
        } finally {
            pg.drop();
        }
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }
}

package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ConfigWatcherTest {

    private static final long POLL_MS = 25;
    private static final long WAIT_MS = 5000;

    @TempDir
    Path dir;

    private Path file;
    private int edits;
    private final BlockingQueue<GatehouseConfig> reloads = new LinkedBlockingQueue<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger watcherLog = (Logger) LoggerFactory.getLogger(ConfigWatcher.class);
    private ConfigWatcher watcher;

    @BeforeEach
    void setUp() throws Exception {
        logs.start();
        watcherLog.addAppender(logs);
        file = dir.resolve("gatehouse.yaml");
        write(config(8080, "first"));
        watcher = new ConfigWatcher(file, ConfigLoader.load(file), reloads::add, POLL_MS).start();
    }

    @AfterEach
    void tearDown() {
        watcher.close();
        watcherLog.detachAppender(logs);
    }

    private static String config(int port, String model) {
        return """
                server: {port: %d}
                providers: {m: {kind: mock}}
                models:
                  %s: {targets: [{provider: m}]}
                """.formatted(port, model);
    }

    /** Writes and moves the modification time forward, so the change is visible whatever the clock resolution. */
    private void write(String text) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(++edits)));
    }

    private GatehouseConfig nextReload() throws InterruptedException {
        GatehouseConfig c = reloads.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(c).as("listener called within %d ms", WAIT_MS).isNotNull();
        return c;
    }

    private ILoggingEvent awaitLog(Level level, Predicate<String> message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() < deadline) {
            for (ILoggingEvent e : logs.list.toArray(ILoggingEvent[]::new)) {
                if (e.getLevel() == level && message.test(e.getFormattedMessage())) {
                    return e;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + level + " log matching within " + WAIT_MS + " ms; got " + logs.list);
    }

    @Test
    void reloadsWhenTheFileChanges() throws Exception {
        write(config(8080, "second"));
        GatehouseConfig c = nextReload();
        assertThat(c.models()).containsOnlyKeys("second");
        assertThat(c.source()).isEqualTo(file);
    }

    @Test
    void invalidFileKeepsTheOldConfigAndRecoversWhenFixed() throws Exception {
        write(config(8080, "broken").replace("provider: m", "provider: nope"));
        ILoggingEvent error = awaitLog(Level.ERROR, m -> m.contains("previous configuration keeps running"));
        assertThat(error.getFormattedMessage())
                .contains(file + ":4: models.broken.targets[0].provider: unknown provider 'nope' (configured: m)");
        assertThat(reloads).as("listener must not see an invalid config").isEmpty();

        write(config(8080, "fixed"));
        assertThat(nextReload().models()).containsOnlyKeys("fixed");
        assertThat(reloads).isEmpty();
    }

    @Test
    void warnsThatAPortChangeNeedsARestart() throws Exception {
        write(config(9999, "first"));
        assertThat(nextReload().server().port()).isEqualTo(9999);
        assertThat(awaitLog(Level.WARN, m -> m.contains("needs a restart")).getFormattedMessage())
                .contains("server.host/port changed from 127.0.0.1:8080 to 127.0.0.1:9999");
    }

    @Test
    void survivesAFailingListenerAndADeletedFile() throws Exception {
        watcher.close();
        BlockingQueue<GatehouseConfig> seen = new LinkedBlockingQueue<>();
        watcher = new ConfigWatcher(file, ConfigLoader.load(file), c -> {
            seen.add(c);
            throw new IllegalStateException("listener bug");
        }, POLL_MS).start();

        write(config(8080, "one"));
        assertThat(seen.poll(WAIT_MS, TimeUnit.MILLISECONDS)).isNotNull();
        awaitLog(Level.ERROR, m -> m.contains("Applying the reloaded configuration") && m.contains("keeps watching"));

        Files.delete(file);
        awaitLog(Level.WARN, m -> m.contains("cannot be read"));

        write(config(8080, "two"));
        GatehouseConfig c = seen.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat(c).isNotNull();
        assertThat(c.models()).containsOnlyKeys("two");
    }
}

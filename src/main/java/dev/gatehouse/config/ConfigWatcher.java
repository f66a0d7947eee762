package dev.gatehouse.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file when it changes. Polls last-modified time and size rather than using
 * a WatchService: polling also works on bind-mounted and network files (Kubernetes ConfigMaps,
 * Docker volumes) where file events are unreliable, and costs one stat per interval.
 * A file that fails to parse is logged and ignored: the running config stays in force.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    public static final long DEFAULT_POLL_MILLIS = 1000;

    /** What identifies a version of the file without reading it. */
    private record Stamp(long modifiedNanos, long size) {}

    private final Path file;
    private final Consumer<GatehouseConfig> listener;
    private final long pollMillis;
    private final ScheduledExecutorService scheduler;
    // Only touched by the single scheduler thread after start().
    private GatehouseConfig current;
    private Stamp seen;
    private boolean reportedMissing;

    public ConfigWatcher(Path file, GatehouseConfig current, Consumer<GatehouseConfig> listener) {
        this(file, current, listener, DEFAULT_POLL_MILLIS);
    }

    /**
     * @param current the config now running (read from {@code file}); changes are compared to it
     * @param listener called on the watcher thread with each new valid config
     */
    public ConfigWatcher(Path file, GatehouseConfig current, Consumer<GatehouseConfig> listener, long pollMillis) {
        if (pollMillis <= 0) {
            throw new IllegalArgumentException("pollMillis must be positive");
        }
        this.file = Objects.requireNonNull(file);
        this.current = Objects.requireNonNull(current);
        this.listener = Objects.requireNonNull(listener);
        this.pollMillis = pollMillis;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-config-watcher");
            t.setDaemon(true); // never keeps the JVM alive on shutdown
            return t;
        });
    }

    /** Starts polling. The file as it is now counts as already loaded. */
    public ConfigWatcher start() {
        seen = stampOrNull();
        scheduler.scheduleWithFixedDelay(this::pollSafely, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        log.debug("Watching {} for changes every {} ms", file, pollMillis);
        return this;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private void pollSafely() {
        // An exception escaping a scheduled task silently cancels all its future runs.
        try {
            poll();
        } catch (Throwable t) {
            log.error("Config watcher for {} hit an unexpected error; it keeps watching", file, t);
        }
    }

    /** The last reload that failed since the last one that succeeded: when and why; null when none. */
    public record ReloadError(long atMillis, String message) {}

    private volatile ReloadError lastError;

    public ReloadError lastError() {
        return lastError;
    }

    private void poll() {
        Stamp stamp = stampOrNull();
        if (stamp == null) {
            if (!reportedMissing) {
                log.warn("Config file {} cannot be read (missing?); the running configuration stays in force", file);
                reportedMissing = true;
            }
            return;
        }
        reportedMissing = false;
        if (stamp.equals(seen)) {
            return;
        }
        // Remember the stamp even if parsing fails, so a broken file is reported once, not every poll.
        seen = stamp;
        ConfigLoader.Result result;
        try {
            result = ConfigLoader.loadWithWarnings(file);
        } catch (ConfigException e) {
            log.error("Config file {} changed but is not valid; the previous configuration keeps running. {}",
                    file, e.getMessage());
            lastError = new ReloadError(System.currentTimeMillis(), e.getMessage());
            return;
        }
        result.warnings().forEach(w -> log.warn("{}", w));
        warnAboutRestartOnlyChanges(current, result.config());
        current = result.config();
        log.info("Reloaded configuration from {}: {} providers, {} models",
                file, current.providers().size(), current.models().size());
        try {
            listener.accept(current);
            lastError = null;
        } catch (RuntimeException e) {
            log.error("Applying the reloaded configuration from {} failed; the watcher keeps watching", file, e);
            lastError = new ReloadError(System.currentTimeMillis(), "Applying it failed: " + e.getMessage());
        }
    }

    /** Settings read once at startup: changing them in the file does nothing until a restart. */
    private void warnAboutRestartOnlyChanges(GatehouseConfig old, GatehouseConfig now) {
        ServerConfig a = old.server();
        ServerConfig b = now.server();
        if (!a.host().equals(b.host()) || a.port() != b.port()) {
            log.warn("server.host/port changed from {}:{} to {}:{}; this needs a restart to take effect",
                    a.host(), a.port(), b.host(), b.port());
        }
        if (a.eventLoops() != b.eventLoops()) {
            log.warn("server.event-loops changed; this needs a restart to take effect");
        }
        if (!Objects.equals(storageUrl(old), storageUrl(now))) {
            log.warn("storage.url changed; this needs a restart to take effect");
        }
    }

    private static String storageUrl(GatehouseConfig c) {
        return c.storage() == null ? null : c.storage().url();
    }

    private Stamp stampOrNull() {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), attrs.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            log.debug("Cannot stat {}", file, e);
            return null;
        }
    }
}

package dev.gatehouse.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Local disk spool for request-log records the database could not take: JSON Lines under
 * {@code <data dir>/spool/request-log.jsonl}, one record per line, fsynced per batch. Replay
 * first renames the file aside (new failures keep appending to a fresh file), hands it over in
 * chunks, and deletes it only when every chunk was stored; the store skips request ids it
 * already has, so a replay interrupted half-way is simply repeated.
 */
public final class RequestSpool {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Path replaying;
    private final Object replayLock = new Object();

    public RequestSpool(Path dir) {
        this.file = dir.resolve("request-log.jsonl");
        this.replaying = dir.resolve("request-log.replaying.jsonl");
    }

    public Path file() {
        return file;
    }

    public synchronized void append(List<RequestRecord> records) {
        try {
            Files.createDirectories(file.getParent());
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
                for (RequestRecord r : records) {
                    out.write(JSON.writeValueAsString(r));
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spool request log records to " + file, e);
        }
    }

    public synchronized boolean isEmpty() {
        return !Files.exists(file) && !Files.exists(replaying);
    }

    /** Records waiting on disk (reads the files: for tests and diagnostics). */
    public synchronized long pending() {
        long n = 0;
        for (Path p : new Path[] {replaying, file}) {
            if (Files.exists(p)) {
                try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
                    n += lines.filter(l -> !l.isBlank()).count();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return n;
    }

    /**
     * Hands spooled records to {@code sink} in chunks; the file is deleted only when the sink took
     * all of them. Throws what the sink throws (the file stays for the next try). Returns how many.
     */
    public long replay(int chunk, Consumer<List<RequestRecord>> sink) {
        synchronized (replayLock) { // one replay at a time; appends (another lock) go on meanwhile
            return replayExclusively(chunk, sink);
        }
    }

    private long replayExclusively(int chunk, Consumer<List<RequestRecord>> sink) {
        synchronized (this) {
            try {
                if (!Files.exists(replaying)) {
                    if (!Files.exists(file)) {
                        return 0;
                    }
                    Files.move(file, replaying, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long total = 0;
        try (BufferedReader in = Files.newBufferedReader(replaying, StandardCharsets.UTF_8)) {
            List<RequestRecord> batch = new ArrayList<>(chunk);
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                RequestRecord r;
                try {
                    r = JSON.readValue(line, RequestRecord.class);
                } catch (IOException e) {
                    continue; // a torn last line after a crash: the record was never acknowledged as stored
                }
                batch.add(r);
                if (batch.size() == chunk) {
                    sink.accept(batch);
                    total += batch.size();
                    batch = new ArrayList<>(chunk);
                }
            }
            if (!batch.isEmpty()) {
                sink.accept(batch);
                total += batch.size();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.deleteIfExists(replaying);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }
}

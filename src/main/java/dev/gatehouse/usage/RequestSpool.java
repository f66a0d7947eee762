package dev.gatehouse.usage;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code <data dir>/spool/request-log.jsonl}, one batch per line with its id, fsynced per batch.
 * Replay first renames the file aside (new failures keep appending to a fresh file), hands the
 * batches over in groups, and deletes the file only when every group was stored; the store skips
 * batch ids (and raw rows' request ids) it already has, so a replay interrupted half-way is simply
 * repeated. Lines of one bare record each (written before batches had ids) are still read.
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

    /** Spools {@code records} as one batch (id derived from their request ids). */
    public void append(List<RequestRecord> records) {
        append(RequestBatch.of(records));
    }

    public synchronized void append(RequestBatch batch) {
        try {
            Files.createDirectories(file.getParent());
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
                out.write(JSON.writeValueAsString(batch));
                out.write('\n');
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
        long[] n = {0};
        for (Path p : new Path[] {replaying, file}) {
            if (Files.exists(p)) {
                read(p, 1, group -> group.forEach(b -> n[0] += b.records().size()));
            }
        }
        return n[0];
    }

    /**
     * Hands spooled batches to {@code sink} in groups of about {@code chunk} records; the file is
     * deleted only when the sink took all of them. Throws what the sink throws (the file stays for
     * the next try). Returns how many records.
     */
    public long replay(int chunk, Consumer<List<RequestBatch>> sink) {
        synchronized (replayLock) { // one replay at a time; appends (another lock) go on meanwhile
            return replayExclusively(chunk, sink);
        }
    }

    private long replayExclusively(int chunk, Consumer<List<RequestBatch>> sink) {
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
        long total = read(replaying, chunk, sink);
        try {
            Files.deleteIfExists(replaying);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    /** Reads a spool file, handing over groups of whole batches of at least {@code chunk} records (the last fewer). */
    private static long read(Path path, int chunk, Consumer<List<RequestBatch>> sink) {
        long total = 0;
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            List<RequestBatch> group = new ArrayList<>();
            List<RequestRecord> loose = new ArrayList<>(); // bare record lines, from before batch ids
            int records = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                    if (node.has("records")) {
                        RequestBatch batch = JSON.treeToValue(node, RequestBatch.class);
                        group.add(batch);
                        records += batch.records().size();
                    } else {
                        loose.add(JSON.treeToValue(node, RequestRecord.class));
                        records++;
                    }
                } catch (IOException | RuntimeException e) {
                    continue; // a torn last line after a crash: the batch was never acknowledged as stored
                }
                if (records >= chunk) {
                    total += hand(group, loose, sink);
                    records = 0;
                }
            }
            total += hand(group, loose, sink);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    private static long hand(List<RequestBatch> group, List<RequestRecord> loose, Consumer<List<RequestBatch>> sink) {
        if (!loose.isEmpty()) { // the same lines give the same chunks, and so the same derived ids, on every replay
            group.add(RequestBatch.of(List.copyOf(loose)));
            loose.clear();
        }
        if (group.isEmpty()) {
            return 0;
        }
        long n = group.stream().mapToLong(b -> b.records().size()).sum();
        sink.accept(List.copyOf(group));
        group.clear();
        return n;
    }
}

package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.RequestLogConfig;
import dev.gatehouse.usage.RequestBatch;
import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestLogWriter;
import dev.gatehouse.usage.RequestRecord;
import dev.gatehouse.usage.RequestSpool;
import dev.gatehouse.usage.UsageQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request log tables on SQLite and PostgreSQL: batched inserts that are idempotent by
 * request id, rollups that agree with the raw rows, analytics queries, batched retention, and
 * the writer's spool when the database refuses writes.
 */
abstract class RequestLogStoreContract {
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    static final long HOUR = 3_600_000L;

    Database db;
    RequestLogStore store;
    Path spoolDir;

    abstract Database openFresh() throws Exception;

    abstract void dropFresh() throws Exception;

    @BeforeEach
    void open() throws Exception {
        db = openFresh();
        store = new RequestLogStore(db);
        spoolDir = Files.createTempDirectory("gatehouse-spool");
    }

    @AfterEach
    void close() throws Exception {
        db.close();
        dropFresh();
        try (var files = Files.walk(spoolDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static RequestRecord record(String id, long ts, String team, String key, String model, int status, long in, long out,
            long cost, long latency, Map<String, String> tags) {
        return new RequestRecord(id, ts, "chat_completions", key, "u-" + key, team, "public-" + model, model, "p-" + model,
                "strategy=priority", "p-" + model + "/" + model + ":" + status, status, status >= 400 ? "SERVER" : null,
                in, out, in / 4, 0, out / 8, false, cost, latency, latency / 3, true, "127.0.0.1", "test-agent", tags,
                List.of(new RequestRecord.Attempt("p-" + model, model, status, status >= 400 ? "SERVER" : null, latency)));
    }

    /** A deterministic spread over 3 teams, 4 keys, 3 models, 6 hours, some errors and tags. */
    static List<RequestRecord> sample(int n) {
        Random random = new Random(42);
        List<RequestRecord> records = new ArrayList<>();
        String[] models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"};
        for (int i = 0; i < n; i++) {
            String team = "team-" + (i % 3);
            String key = "key-" + (i % 4);
            String model = models[random.nextInt(3)];
            int status = random.nextInt(10) == 0 ? 503 : 200;
            Map<String, String> tags = i % 2 == 0 ? Map.of("feature", i % 4 == 0 ? "search" : "chat") : Map.of();
            records.add(record("r-" + i, T0 + random.nextInt(6) * HOUR + random.nextInt((int) HOUR), team, key, model, status,
                    100 + random.nextInt(900), random.nextInt(500), random.nextInt(10_000), 10 + random.nextInt(2000), tags));
        }
        return records;
    }

    long count(String sql) {
        return db.call(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    void exec(String sql) {
        db.call(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
    }

    @Test
    void insertIsIdempotentByRequestIdAndKeepsAttemptsAndTags() {
        List<RequestRecord> records = sample(50);
        assertThat(store.insert(records)).isEqualTo(50);
        assertThat(store.insert(records.subList(10, 30))).isZero();
        List<RequestRecord> mixed = new ArrayList<>(records.subList(0, 5));
        mixed.add(record("new-1", T0, "team-0", "key-0", "gpt-4o", 200, 1, 2, 3, 4, Map.of()));
        assertThat(store.insert(mixed)).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(51);
        assertThat(count("SELECT COUNT(*) FROM request_log WHERE attempts IS NOT NULL")).isEqualTo(51); // inline (V7)
        assertThat(count("SELECT COUNT(*) FROM request_attempts")).isZero();
        assertThat(count("SELECT COUNT(*) FROM request_tags")).isEqualTo(25);
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(51); // duplicates not counted twice

        RequestRecord stored = store.find("r-7");
        RequestRecord original = records.get(7);
        assertThat(stored).isEqualTo(original);
    }

    @Test
    void rowsWrittenBeforeInlineAttemptsStillReadTheirAttemptsAndExpire() {
        RequestRecord current = record("new-style", T0 + 5, "team-0", "key-0", "gpt-4o", 200, 1, 2, 3, 4, Map.of());
        store.insert(List.of(current));
        // A row as version 6 wrote it: attempts NULL on the row, one request_attempts row per try.
        exec("INSERT INTO request_log (request_id, ts, endpoint, key_id, user_id, team_id, requested_model, model, provider,"
                + " attempt_count, status, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens,"
                + " usage_estimated, cost_micros, latency_ms, stream) VALUES ('old-style', " + T0 + ", 'chat', 'key-0', '',"
                + " 'team-0', 'gpt-4o', 'gpt-4o', 'openai', 2, 200, 1, 2, 0, 0, 0, 0, 5, 40, 0)");
        exec("INSERT INTO request_attempts (request_id, seq, provider, model, status, error_class, duration_ms) VALUES"
                + " ('old-style', 0, 'azure', 'gpt-4o', 503, 'upstream_error', 7),"
                + " ('old-style', 1, 'openai', 'gpt-4o', 200, NULL, 30)");

        assertThat(store.find("old-style").attempts()).containsExactly(
                new RequestRecord.Attempt("azure", "gpt-4o", 503, "upstream_error", 7),
                new RequestRecord.Attempt("openai", "gpt-4o", 200, null, 30));
        assertThat(store.list(Map.of(), T0, T0 + HOUR, null, 10)).extracting(RequestRecord::requestId)
                .containsExactly("new-style", "old-style");
        assertThat(store.list(Map.of(), T0, T0 + HOUR, null, 10).get(0).attempts()).isEqualTo(current.attempts());

        assertThat(store.deleteBefore(T0 + 1, 10, 10)).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM request_attempts")).isZero();
        assertThat(store.find("new-style")).isEqualTo(current);
    }

    @Test
    void listingsNarrowByStatusAndTagPageByPage() {
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int status = i % 4 == 0 ? 500 : i % 7 == 0 ? 429 : 200;
            records.add(record("n" + i, T0 + (i / 2) * 1000L, "team-" + (i % 2), "key-1", "m", status, 1, 1, 1, 1,
                    i % 3 == 0 ? Map.of("feature", "search") : Map.of("feature", "chat")));
        }
        store.insert(records);
        java.util.Comparator<RequestRecord> newest = java.util.Comparator.comparingLong(RequestRecord::ts)
                .thenComparing(RequestRecord::requestId).reversed();
        record Case(Map<String, String> filters, RequestLogStore.Narrowing narrowing, java.util.function.Predicate<RequestRecord> keeps) {}
        for (Case c : List.of(
                new Case(Map.of(), new RequestLogStore.Narrowing("error", null, null), r -> r.status() >= 400),
                new Case(Map.of(), new RequestLogStore.Narrowing("ok", null, null), r -> r.status() < 400),
                new Case(Map.of(), new RequestLogStore.Narrowing("429", null, null), r -> r.status() == 429),
                new Case(Map.of(), new RequestLogStore.Narrowing(null, "feature", "search"), r -> "search".equals(r.tags().get("feature"))),
                new Case(Map.of("team", "team-1"), new RequestLogStore.Narrowing("error", "feature", "chat"),
                        r -> r.teamId().equals("team-1") && r.status() >= 400 && "chat".equals(r.tags().get("feature"))))) {
            List<String> expected = records.stream().filter(c.keeps()).sorted(newest).map(RequestRecord::requestId).toList();
            List<String> paged = new ArrayList<>();
            RequestLogStore.Cursor cursor = null;
            for (int page = 0; page < 50; page++) {
                List<RequestRecord> rows = store.list(c.filters(), c.narrowing(), T0, T0 + HOUR, cursor, 3);
                rows.forEach(r -> paged.add(r.requestId()));
                if (rows.size() < 3) {
                    break;
                }
                cursor = new RequestLogStore.Cursor(rows.getLast().ts(), rows.getLast().requestId());
            }
            assertThat(paged).as(c.toString()).isNotEmpty().isEqualTo(expected);
        }
    }

    @Test
    void summariesOverDaysAndPartialDaysAgreeWithRawRows() {
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) { // every 22 minutes over four and a half days, three teams
            records.add(record("d" + i, T0 + i * 22 * 60_000L, "team-" + (i % 3), "key-" + (i % 5), "m" + (i % 2), i % 9 == 0 ? 500 : 200,
                    10 + i, 5, 100 + i, 50, Map.of()));
        }
        for (int i = 0; i < records.size(); i += 41) {
            store.insert(records.subList(i, Math.min(records.size(), i + 41)));
        }
        UsageQuery query = new UsageQuery(db);
        long from = T0 + 5 * HOUR + 30 * 60_000L; // mid-hour on day one
        long to = T0 + 3 * 24 * HOUR + 7 * HOUR + 10 * 60_000L; // mid-hour on day four
        // The rollups count whole hours: from the hour that holds 'from' to the one that holds 'to', included.
        for (String bucket : List.of("none", "day")) {
            for (Map<String, String> filters : List.of(Map.<String, String>of(), Map.of("team", "team-1"))) {
                List<UsageQuery.Row> rows = query.summary(new UsageQuery.Query(from, to, "team", bucket, filters, null, 0, "cost"));
                Map<String, long[]> expected = new HashMap<>();
                for (RequestRecord r : records) {
                    long hour = r.ts() - r.ts() % HOUR;
                    if (hour < from - from % HOUR || hour >= to || (filters.containsKey("team") && !filters.get("team").equals(r.teamId()))) {
                        continue;
                    }
                    long b = bucket.equals("day") ? r.ts() - r.ts() % (24 * HOUR) : 0;
                    long[] e = expected.computeIfAbsent(b + "/" + r.teamId(), k -> new long[4]);
                    e[0]++;
                    e[1] += r.failed() ? 1 : 0;
                    e[2] += r.inputTokens();
                    e[3] += r.costMicros();
                }
                Map<String, long[]> actual = new HashMap<>();
                for (UsageQuery.Row row : rows) {
                    actual.put(row.bucket() + "/" + row.group(), new long[] {row.requests(), row.errors(), row.inputTokens(), row.costMicros()});
                }
                assertThat(actual.keySet()).as(bucket + " " + filters).isEqualTo(expected.keySet());
                expected.forEach((k, e) -> assertThat(actual.get(k)).as(bucket + " " + filters + " " + k).containsExactly(e));
            }
        }
        assertThat(count("SELECT SUM(requests) FROM usage_daily")).isEqualTo(300);
    }

    @Test
    void rollupsAndSummaryAgreeWithRawRows() {
        List<RequestRecord> records = sample(400);
        for (int i = 0; i < records.size(); i += 37) { // several batches, as the writer does
            store.insert(records.subList(i, Math.min(records.size(), i + 37)));
        }
        UsageQuery query = new UsageQuery(db);
        List<UsageQuery.Row> byModel = query.summary(new UsageQuery.Query(T0, T0 + 24 * HOUR, "model", "none", Map.of(), null, 0, "cost"));
        Map<String, long[]> expected = new HashMap<>();
        for (RequestRecord r : records) {
            long[] e = expected.computeIfAbsent(r.model(), k -> new long[5]);
            e[0]++;
            e[1] += r.failed() ? 1 : 0;
            e[2] += r.inputTokens();
            e[3] += r.outputTokens();
            e[4] += r.costMicros();
        }
        assertThat(byModel).hasSize(3);
        for (UsageQuery.Row row : byModel) {
            long[] e = expected.get(row.group());
            assertThat(new long[] {row.requests(), row.errors(), row.inputTokens(), row.outputTokens(), row.costMicros()})
                    .as(row.group()).containsExactly(e);
        }

        // hour buckets of one team, filtered
        List<UsageQuery.Row> hourly = query.summary(new UsageQuery.Query(T0, T0 + 24 * HOUR, null, "hour",
                Map.of("team", "team-1"), null, 0, "cost"));
        assertThat(hourly).hasSize(6);
        for (UsageQuery.Row row : hourly) {
            long n = records.stream().filter(r -> r.teamId().equals("team-1") && r.ts() - r.ts() % HOUR == row.bucket()).count();
            assertThat(row.requests()).isEqualTo(n);
        }

        // tag groups: only tagged requests, once per tag value
        List<UsageQuery.Row> byTag = query.summary(new UsageQuery.Query(T0, T0 + 24 * HOUR, "tag:feature", "day", Map.of(), null, 0, "requests"));
        assertThat(byTag).extracting(UsageQuery.Row::group).containsExactly("chat", "search");
        assertThat(byTag).extracting(UsageQuery.Row::requests).containsExactly(100L, 100L);
        long searchCost = records.stream().filter(r -> "search".equals(r.tags().get("feature"))).mapToLong(RequestRecord::costMicros).sum();
        assertThat(byTag.get(1).costMicros()).isEqualTo(searchCost);

        // tag filter with another grouping
        List<UsageQuery.Row> searchByTeam = query.summary(new UsageQuery.Query(T0, T0 + 24 * HOUR, "team", "none", Map.of(),
                "feature=search", 0, "cost"));
        assertThat(searchByTeam.stream().mapToLong(UsageQuery.Row::requests).sum()).isEqualTo(100);

        // top 1 key by cost
        List<UsageQuery.Row> top = query.summary(new UsageQuery.Query(T0, T0 + 24 * HOUR, "key", "none", Map.of(), null, 1, "cost"));
        Map<String, Long> costByKey = new HashMap<>();
        records.forEach(r -> costByKey.merge(r.keyId(), r.costMicros(), Long::sum));
        String topKey = costByKey.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertThat(top).hasSize(1);
        assertThat(top.get(0).group()).isEqualTo(topKey);
        assertThat(top.get(0).costMicros()).isEqualTo(costByKey.get(topKey));
    }

    @Test
    void listingPagesThroughRowsWithTheSameTimestampWithoutSkippingAny() {
        List<RequestRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(record("same-" + i, T0 + 5, "team-0", "key-0", "gpt-4o", 200, 1, 1, 1, 1, Map.of()));
        }
        records.add(record("other-team", T0 + 5, "team-1", "key-9", "gpt-4o", 200, 1, 1, 1, 1, Map.of()));
        store.insert(records);
        List<String> seen = new ArrayList<>();
        RequestLogStore.Cursor cursor = null;
        while (true) {
            List<RequestRecord> page = store.list(Map.of("team", "team-0"), T0, T0 + HOUR, cursor, 3);
            page.forEach(r -> seen.add(r.requestId()));
            if (page.size() < 3) {
                break;
            }
            RequestRecord last = page.get(page.size() - 1);
            cursor = new RequestLogStore.Cursor(last.ts(), last.requestId());
        }
        assertThat(seen).hasSize(10).doesNotHaveDuplicates().allMatch(id -> id.startsWith("same-"));
    }

    @Test
    void latencyPercentilesMatchNearestRankOnTheRawRows() {
        List<RequestRecord> records = sample(300);
        store.insert(records);
        List<UsageQuery.LatencyRow> rows = new UsageQuery(db).latency(
                new UsageQuery.Query(T0, T0 + 24 * HOUR, "model", "none", Map.of(), null, 0, "requests"));
        assertThat(rows).hasSize(3);
        for (UsageQuery.LatencyRow row : rows) {
            List<Long> sorted = records.stream().filter(r -> r.model().equals(row.group())).map(RequestRecord::latencyMs).sorted().toList();
            assertThat(row.requests()).isEqualTo(sorted.size());
            assertThat(row.p50()).isEqualTo(sorted.get((int) Math.ceil(0.5 * sorted.size()) - 1));
            assertThat(row.p99()).isEqualTo(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1));
            long errors = records.stream().filter(r -> r.model().equals(row.group()) && r.failed()).count();
            assertThat(row.errors()).isEqualTo(errors);
        }
    }

    @Test
    void retentionDeletesOldRowsInBatchesAndKeepsRollups() {
        List<RequestRecord> records = sample(120);
        store.insert(records);
        long cutoff = T0 + 3 * HOUR;
        long old = records.stream().filter(r -> r.ts() < cutoff).count();
        long deleted = store.deleteBefore(cutoff, 7, Integer.MAX_VALUE);
        assertThat(deleted).isEqualTo(old);
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(120 - old);
        assertThat(count("SELECT COUNT(*) FROM request_log WHERE ts < " + cutoff)).isZero();
        assertThat(count("SELECT COUNT(*) FROM request_tags WHERE request_id NOT IN (SELECT request_id FROM request_log)")).isZero();
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(120);
        // a bounded run stops after its batches (the deleted rows written again, as another batch)
        store.insertBatches(List.of(new RequestBatch("again", T0, sample(120))));
        assertThat(store.deleteBefore(cutoff, 5, 2)).isEqualTo(Math.min(10, old));
    }

    @Test
    void writerSpoolsWhileTheDatabaseIsDownAndReplaysWithoutLossOrDuplicates() throws Exception {
        RequestSpool spool = new RequestSpool(spoolDir);
        RequestLogWriter writer = new RequestLogWriter(store, spool,
                new RequestLogWriter.Settings(1000, 50, 20, 100));
        try {
            List<RequestRecord> records = sample(200);
            records.subList(0, 50).forEach(writer::offer);
            await(() -> count("SELECT COUNT(*) FROM request_log") == 50);

            exec("ALTER TABLE request_log RENAME TO request_log_offline"); // the database refuses writes
            records.subList(50, 150).forEach(writer::offer);
            await(() -> writer.spooled() == 100);
            assertThat(spool.pending()).isEqualTo(100);
            try (var files = Files.list(spoolDir)) { // JSON Lines, one record per line (maybe renamed aside for a replay try)
                assertThat(files.map(RequestLogStoreContract::read).reduce("", String::concat)).contains("\"requestId\":\"r-50\"");
            }

            exec("ALTER TABLE request_log_offline RENAME TO request_log"); // back
            records.subList(150, 200).forEach(writer::offer);
            await(() -> count("SELECT COUNT(*) FROM request_log") == 200 && spool.isEmpty() && writer.replayed() == 100);

            // replaying the same records again (e.g. a crash after insert, before the spool file was deleted) adds nothing
            long before = writer.replayed();
            spool.append(records.subList(40, 120));
            writer.replayNow(); // or the writer's own periodic try, whichever comes first
            await(() -> spool.isEmpty() && writer.replayed() - before == 80);
            assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(200);
            assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(200);
            assertThat(count("SELECT COUNT(DISTINCT request_id) FROM request_log")).isEqualTo(200);
        } finally {
            writer.close();
        }
    }

    @Test
    void sampledRawRowsKeepErrorsAndSlowCallsAndTheRollupsCountEveryCall() {
        RequestLogStore sampled = new RequestLogStore(db, new RequestLogConfig.RawRows(false, 0.1, Duration.ofMillis(1500)));
        List<RequestRecord> records = sample(2000);
        sampled.insert(records.subList(0, 1000));
        sampled.insert(records.subList(1000, 2000));
        long failed = records.stream().filter(RequestRecord::failed).count();
        long slowOk = records.stream().filter(r -> !r.failed() && r.latencyMs() >= 1500).count();
        long rest = 2000 - failed - slowOk;
        // every error and slow call, and about a tenth of the others (chosen by request id)
        assertThat(count("SELECT COUNT(*) FROM request_log WHERE status >= 400")).isEqualTo(failed);
        assertThat(count("SELECT COUNT(*) FROM request_log WHERE status < 400 AND latency_ms >= 1500")).isEqualTo(slowOk);
        long sampledRows = count("SELECT COUNT(*) FROM request_log WHERE status < 400 AND latency_ms < 1500");
        assertThat(sampledRows).isBetween(rest / 20, rest / 5);
        // the rollups are exact, tags included
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(2000);
        assertThat(count("SELECT SUM(errors) FROM usage_hourly")).isEqualTo(failed);
        assertThat(count("SELECT SUM(cost_micros) FROM usage_hourly")).isEqualTo(records.stream().mapToLong(RequestRecord::costMicros).sum());
        assertThat(count("SELECT SUM(requests) FROM usage_hourly_tags")).isEqualTo(records.stream().filter(r -> !r.tags().isEmpty()).count());
        // the same batch again (a replay after a lost commit acknowledgement) adds nothing, kept rows or not
        assertThat(sampled.insert(records.subList(0, 1000))).isZero();
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(2000);
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(failed + slowOk + sampledRows);
    }

    @Test
    void aBatchSpooledAfterTheDatabaseTookItIsNotCountedTwice() throws Exception {
        RequestLogStore sampled = new RequestLogStore(db, new RequestLogConfig.RawRows(false, 0, Duration.ZERO));
        List<RequestRecord> records = sample(300);
        RequestBatch batch = RequestBatch.of(records.subList(0, 100));
        sampled.insertBatches(List.of(batch)); // committed, but the writer saw an error and spooled it
        RequestSpool spool = new RequestSpool(spoolDir);
        spool.append(batch);
        spool.append(records.subList(100, 300));
        List<Integer> groups = new ArrayList<>();
        assertThat(spool.replay(150, group -> groups.add(sampled.insertBatches(group)))).isEqualTo(300);
        assertThat(groups).containsExactly(200); // the spooled copy of the first batch added nothing
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(300);
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(records.stream().filter(RequestRecord::failed).count());
        assertThat(count("SELECT COUNT(*) FROM request_log_batches")).isEqualTo(2);
        assertThat(store.deleteBatchesBefore(System.currentTimeMillis() + 1)).isEqualTo(2);
    }

    @Test
    void aSpoolOfBareRecordLinesFromBeforeBatchIdsIsStillReplayed() throws Exception {
        List<RequestRecord> records = sample(30);
        StringBuilder lines = new StringBuilder();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (RequestRecord r : records) {
            lines.append(json.writeValueAsString(r)).append('\n');
        }
        lines.append("{\"requestId\":\"torn"); // a crash mid-line
        Files.createDirectories(spoolDir);
        Files.writeString(spoolDir.resolve("request-log.jsonl"), lines);
        RequestSpool spool = new RequestSpool(spoolDir);
        assertThat(spool.pending()).isEqualTo(30);
        assertThat(spool.replay(20, store::insertBatches)).isEqualTo(30);
        assertThat(spool.isEmpty()).isTrue();
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(30);
        assertThat(count("SELECT SUM(requests) FROM usage_hourly")).isEqualTo(30);
    }

    @Test
    void closeDrainsTheQueue() {
        RequestLogWriter writer = new RequestLogWriter(store, new RequestSpool(spoolDir),
                new RequestLogWriter.Settings(5000, 100, 10_000, 10_000));
        sample(3000).forEach(writer::offer);
        writer.close();
        assertThat(count("SELECT COUNT(*) FROM request_log")).isEqualTo(3000);
        assertThat(writer.queueDepth()).isZero();
        assertThat(writer.spooled()).isZero();
    }

    @Test
    void aFullQueueIsSpilledByAThreadOfItsOwnNotByTheOfferingThread() throws Exception {
        // The spill executor runs nothing until released: whatever reaches the spool before that was
        // written by the thread that offered (an event loop, in the gateway).
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService gated = java.util.concurrent.Executors.newSingleThreadExecutor();
        gated.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RequestSpool spool = new RequestSpool(spoolDir);
        RequestLogWriter writer = new RequestLogWriter(store, spool, new RequestLogWriter.Settings(10, 5, 20, 60_000), gated);
        List<RequestRecord> records = sample(500);
        int offered = 0;
        while (writer.overflowed() < 10) { // the hand-over holds as many as the queue: 10
            writer.offer(records.get(offered++));
        }
        // (the writer replays a spool into the database as soon as it holds something: count both)
        assertThat(spool.pending() + writer.replayed()).as("nothing appended to the spool by the offering thread").isZero();
        // The spill thread cannot keep up either (here: not running at all): the offering thread spools.
        while (writer.overflowed() < 13) {
            writer.offer(records.get(offered++));
        }
        assertThat(spool.pending() + writer.replayed()).isEqualTo(3);
        release.countDown();
        await(() -> spool.pending() + writer.replayed() == 13);
        records.subList(offered, 500).forEach(writer::offer);
        writer.close();
        assertThat(count("SELECT COUNT(*) FROM request_log") + spool.pending()).isEqualTo(500);
        RequestLogWriter next = new RequestLogWriter(store, new RequestSpool(spoolDir),
                new RequestLogWriter.Settings(10, 100, 20, 50));
        try {
            await(() -> count("SELECT COUNT(*) FROM request_log") == 500);
        } finally {
            next.close();
        }
    }

    @Test
    void aFullQueueSpillsToTheSpoolInsteadOfDropping() throws Exception {
        exec("ALTER TABLE request_log RENAME TO request_log_offline");
        RequestLogWriter writer = new RequestLogWriter(store, new RequestSpool(spoolDir),
                new RequestLogWriter.Settings(10, 5, 20, 60_000));
        List<RequestRecord> records = sample(500);
        records.forEach(writer::offer);
        writer.close();
        assertThat(writer.overflowed()).isPositive();
        assertThat(writer.spool().pending()).isEqualTo(500);
        exec("ALTER TABLE request_log_offline RENAME TO request_log");
        RequestLogWriter next = new RequestLogWriter(store, new RequestSpool(spoolDir),
                new RequestLogWriter.Settings(10, 100, 20, 50));
        try {
            await(() -> count("SELECT COUNT(*) FROM request_log") == 500);
        } finally {
            next.close();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(Duration.ofMillis(20));
        }
    }
}

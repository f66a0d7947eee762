package dev.gatehouse.store;

import dev.gatehouse.usage.RequestLogStore;
import dev.gatehouse.usage.RequestRecord;
import dev.gatehouse.usage.UsageQuery;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Times every query behind the admin console's overview and request log (the ones its pages
 * make, with the same arguments) on the synthetic request log of {@link UsageQueryBench}, and
 * prints p50 and p95 over 20 runs each. Not a unit test: run it with {@code bench/usage/console.sh}.
 */
class ConsoleQueryBench {
    private static final int RUNS = 20;

    @Test
    void timeConsoleQueries() throws Exception {
        try (Database db = UsageQueryBench.prepare()) {
            UsageQuery q = new UsageQuery(db);
            RequestLogStore store = new RequestLogStore(db);
            long end = UsageQueryBench.END;
            long day = end - UsageQueryBench.DAY;
            long week = end - 7 * UsageQueryBench.DAY;
            long month = end - 30 * UsageQueryBench.DAY;
            System.out.println("| console call | rows | p50 | p95 |\n|---|---|---|---|");
            for (long[] range : new long[][] {{day, 0}, {week, 0}, {month, 1}}) {
                long from = range[0];
                String bucket = range[1] == 0 ? "hour" : "day";
                String label = (end - from) / UsageQueryBench.DAY + " d, " + bucket + " buckets";
                time("overview: totals chart, " + label, () -> q.summary(new UsageQuery.Query(from, end, null, bucket, Map.of(), null, 0, "cost")).size());
                if (from == day) { // percentiles (raw rows) are charted for the last day only; longer ranges chart the rollups' average
                    time("overview: latency chart, " + label, () -> q.latency(new UsageQuery.Query(from, end, null, bucket, Map.of(), null, 0,
                            "requests")).size());
                }
                for (String group : List.of("model", "team", "key", "user")) {
                    time("overview: top 5 " + group + "s, " + label.substring(0, label.indexOf(',')),
                            () -> q.summary(new UsageQuery.Query(from, end, group, "none", Map.of(), null, 5, "cost")).size());
                }
            }
            time("overview (team-admin): latency chart, 1 d, one team", () -> q.latency(new UsageQuery.Query(day, end, null, "hour",
                    Map.of("team", "team-7"), null, 0, "requests")).size());
            time("overview (member): latency chart, 1 d, one user", () -> q.latency(new UsageQuery.Query(day, end, null, "hour",
                    Map.of("user", "user-7"), null, 0, "requests")).size());
            time("overview (team-admin): totals chart, 30 d, one team", () -> q.summary(new UsageQuery.Query(month, end, null, "day",
                    Map.of("team", "team-7"), null, 0, "cost")).size());
            RequestLogStore.Narrowing none = RequestLogStore.Narrowing.NONE;
            time("request log: newest 50, 30 d", () -> store.list(Map.of(), none, month, end, null, 50).size());
            List<RequestRecord> first = store.list(Map.of(), none, month, end, null, 50);
            RequestLogStore.Cursor cursor = new RequestLogStore.Cursor(first.getLast().ts(), first.getLast().requestId());
            time("request log: next page (cursor), 30 d", () -> store.list(Map.of(), none, month, end, cursor, 50).size());
            for (Map.Entry<String, String> filter : Map.of("team", "team-7", "key", "key-42", "user", "user-42", "model", "model-3",
                    "provider", "provider-2").entrySet()) {
                time("request log: by " + filter.getKey() + ", 30 d", () -> store.list(Map.of(filter.getKey(), filter.getValue()), none,
                        month, end, null, 50).size());
            }
            time("request log: failed only, 30 d", () -> store.list(Map.of(), new RequestLogStore.Narrowing("error", null, null),
                    month, end, null, 50).size());
            time("request log: one team's failed, 30 d", () -> store.list(Map.of("team", "team-7"),
                    new RequestLogStore.Narrowing("error", null, null), month, end, null, 50).size());
            time("request log: by tag feature=feature-10, 30 d", () -> store.list(Map.of(),
                    new RequestLogStore.Narrowing(null, "feature", "feature-10"), month, end, null, 50).size());
            time("request log: a key with no calls in range (empty page)", () -> store.list(Map.of("key", "key-none"), none,
                    month, end, null, 50).size());
            time("request log: detail by id", () -> store.find("r4242") == null ? 0 : 1);
        }
    }

    static void time(String name, Supplier<Integer> query) {
        query.get(); // warm the cache and the plan once
        long[] ms = new long[RUNS];
        int result = 0;
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            result = query.get();
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(ms);
        System.out.printf("| %s | %d | %d ms | %d ms |%n", name, result, ms[RUNS / 2], ms[(int) Math.ceil(RUNS * 0.95) - 1]);
    }
}

package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.Cluster.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.cluster.Cluster.Node;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.Fault;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three gateway processes on one PostgreSQL and one Redis, requests spread round-robin: limits and
 * budgets are exact across nodes, admin changes reach every node within a second, a model removed
 * from the shared config file goes everywhere, and Redis and PostgreSQL outages and a killed node
 * behave as docs/cluster.md says. The nodes are real JVMs started from the test classpath; the
 * outages are staged by cutting the TCP proxies between the nodes and the shared servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An answer costs exactly 12 micro-USD and its worst case is the same: 12 output tokens at $1 per 1M, input free. */
    private static final long CALL_MICROS = 12;

    /** Callers run on virtual threads: the common pool has one thread on a two-core machine and would serialise a burst. */
    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
    private Cluster cluster;
    /** A real upstream (an OpenAI fake in this JVM) the nodes call for the model 'flaky', so a test can make it fail. */
    private FakeOpenAi upstream;
    private volatile boolean withRetiredModel = true;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void start() throws Exception {
        upstream = FakeOpenAi.start();
        cluster = Cluster.start(3, this::config);
    }

    @AfterAll
    void stop() {
        callers.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private String config(Cluster c) {
        return """
                server:
                  event-loops: 1
                auth:
                  master-key: %s
                  # The propagation test polls with revoked keys from one address: slowing those
                  # failures (the default) would be measured as propagation time.
                  failed-attempts: {enabled: false}
                storage:
                  url: "%s"
                redis:
                  url: %s
                  key-prefix: "%s"
                budgets:
                  reservation-lease: 5s
                routing:
                  circuit-breaker: {consecutive-failures: 3, cooldown: 30s}
                providers:
                  flaky: {kind: openai, base-url: "%s", api-key: %s}
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                  slowmock: {kind: mock, mock: {chunk-delay: 100ms, output-tokens: 30}}
                models:
                  gpt-4o-mini:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: mock}]
                  slow:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: slowmock}]
                  flaky:
                    targets: [{provider: flaky, model: gpt-4o-mini}, {provider: mock}]
                """.formatted(Cluster.MASTER_KEY, c.postgresUrl(), c.redisUrl(), c.redisPrefix, upstream.baseUrl(),
                        FakeOpenAi.DEFAULT_KEY)
                + (withRetiredModel ? """
                  retired:
                    targets: [{provider: mock}]
                """ : "");
    }

    @Test
    @Order(1)
    void aKeyWithRpm10GetsExactly10AnswersPerMinuteAcrossThreeNodes() throws Exception {
        Key key = key(team());
        admin(cluster.node(0), "POST", "/rate-limits", "{\"scope\":\"key\",\"subject\":\"" + key.id + "\",\"rpm\":10}", 201);
        Thread.sleep(1_000); // the change is in force everywhere within a second (measured below)

        // rpm 10 is a bucket of 10 refilled at one request per 6 s: 30 calls at once, spread over
        // the three nodes, are over within a few seconds, so exactly the bucket's 10 may pass.
        long first = System.nanoTime();
        List<Integer> statuses = burst(30, i -> chat(cluster.next(), key.secret, "gpt-4o-mini", false));
        long end = System.nanoTime();
        // On a machine too loaded to send 30 calls within a refill (6 s), each refill that passed
        // during the burst may admit one more: the count stays exact to the bucket's arithmetic.
        long refills = (end - first) / TimeUnit.SECONDS.toNanos(6);
        assertThat(count(statuses, 200)).as("admitted of 30 in %d ms: %s", (end - first) / 1_000_000, statuses)
                .isBetween(10L, 10L + refills);
        assertThat(count(statuses, 429)).isEqualTo(30L - count(statuses, 200));
        // The refill check below assumes the bucket emptied at once: on a slower burst the test says it skipped it.
        Assumptions.assumeTrue(end - first <= TimeUnit.SECONDS.toNanos(5),
                "burst took " + (end - first) / 1_000_000 + " ms: the shared-refill check needs it within 5 s");

        // And the refill is shared too: 6.3 s after the burst, between 1.05 and 1.9 requests' worth
        // has refilled (the bucket began refilling within the burst): one more request on one of the
        // three nodes, not one per node.
        Thread.sleep(Math.max(0, 6_300 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - end)));
        List<Integer> after = burst(6, i -> chat(cluster.node(i % 3), key.secret, "gpt-4o-mini", false));
        assertThat(count(after, 200)).as("admitted 6 s later: %s", after).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aTeamBudgetForExactlyNCallsAdmitsExactlyNStreamingAndNot() throws Exception {
        int n = 5;
        Map<Boolean, String> budgets = new LinkedHashMap<>();
        Map<Boolean, Key> keys = new LinkedHashMap<>();
        for (boolean stream : new boolean[] {false, true}) {
            String team = team();
            keys.put(stream, key(team));
            budgets.put(stream, admin(cluster.next(), "POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                    + "\",\"period\":\"total\",\"limit_micros\":" + n * CALL_MICROS + "}", 201).path("id").asText());
        }
        Thread.sleep(1_000);

        List<CompletableFuture<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            for (boolean stream : new boolean[] {false, true}) {
                Node node = cluster.next();
                calls.add(CompletableFuture.supplyAsync(() -> chat(node, keys.get(stream).secret, "gpt-4o-mini", stream), callers));
            }
        }
        List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();
        for (boolean stream : new boolean[] {false, true}) {
            List<Reply> mine = new ArrayList<>();
            for (int i = stream ? 1 : 0; i < replies.size(); i += 2) {
                mine.add(replies.get(i));
            }
            List<Integer> statuses = mine.stream().map(Reply::status).toList();
            assertThat(count(statuses, 200)).as("stream=%s admitted of 20: %s", stream, statuses).isEqualTo(n);
            assertThat(mine).filteredOn(r -> r.status == 429).allSatisfy(r -> assertThat(r.body).contains("insufficient_quota"));
            if (stream) {
                assertThat(mine).filteredOn(r -> r.status == 200).allSatisfy(r -> assertThat(r.body).contains("data: [DONE]"));
            }
            // Settled on whichever node answered, read on every node: spent exactly the limit, nothing held.
            for (Node node : cluster.nodes()) {
                JsonNode current = admin(node, "GET", "/budgets/" + budgets.get(stream), null, 200).path("current");
                assertThat(current.path("spent_micros").asLong()).as("stream=%s on %s", stream, node).isEqualTo(n * CALL_MICROS);
                assertThat(current.path("reserved_micros").asLong()).isZero();
            }
        }
    }

    @Test
    @Order(3)
    void aRevokedKeyAChangedPolicyAndALoweredBudgetAreInForceOnEveryNodeWithinOneSecond() throws Exception {
        int repetitions = 10;
        String team = team();
        Key key = key(team);
        String policy = admin(cluster.node(0), "POST", "/policies",
                "{\"name\":\"p-" + cluster.run + "\",\"team_id\":\"" + team + "\",\"models\":[\"gpt-4o-mini\"]}", 201).path("id").asText();
        admin(cluster.node(0), "POST", "/policies/" + policy + "/attachments",
                "{\"subject_type\":\"key\",\"subject_id\":\"" + key.id + "\"}", 201);
        String budget = admin(cluster.node(0), "POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"period\":\"total\",\"limit_micros\":100000000}", 201).path("id").asText();
        awaitEverywhere(key.secret, "gpt-4o-mini", s -> s == 200, Duration.ofSeconds(3));

        Map<String, List<Long>> millis = new LinkedHashMap<>();
        for (int r = 0; r < repetitions; r++) {
            Node writer = cluster.node(r % 3);
            Key doomed = key(team);
            awaitEverywhere(doomed.secret, "gpt-4o-mini", s -> s == 200, Duration.ofSeconds(3));
            millis.computeIfAbsent("key revoked", k -> new ArrayList<>()).add(propagation(writer, doomed.secret, "gpt-4o-mini",
                    s -> s == 401, () -> admin(writer, "POST", "/keys/" + doomed.id + "/revoke", "{}", 200)));
            millis.computeIfAbsent("policy narrowed", k -> new ArrayList<>()).add(propagation(writer, key.secret, "gpt-4o-mini",
                    s -> s == 403, () -> admin(writer, "PATCH", "/policies/" + policy, "{\"models\":[\"retired\"]}", 200)));
            millis.computeIfAbsent("policy widened", k -> new ArrayList<>()).add(propagation(writer, key.secret, "gpt-4o-mini",
                    s -> s == 200, () -> admin(writer, "PATCH", "/policies/" + policy, "{\"models\":[\"gpt-4o-mini\"]}", 200)));
            millis.computeIfAbsent("budget lowered", k -> new ArrayList<>()).add(propagation(writer, key.secret, "gpt-4o-mini",
                    s -> s == 429, () -> admin(writer, "PATCH", "/budgets/" + budget, "{\"limit_micros\":1}", 200)));
            millis.computeIfAbsent("budget raised", k -> new ArrayList<>()).add(propagation(writer, key.secret, "gpt-4o-mini",
                    s -> s == 200, () -> admin(writer, "PATCH", "/budgets/" + budget, "{\"limit_micros\":100000000}", 200)));
        }

        StringBuilder report = new StringBuilder("change | samples | p50 ms | p99 ms | max ms\n");
        for (Map.Entry<String, List<Long>> e : millis.entrySet()) {
            List<Long> sorted = new ArrayList<>(e.getValue());
            Collections.sort(sorted);
            report.append("%s | %d | %d | %d | %d%n".formatted(e.getKey(), sorted.size(), percentile(sorted, 50),
                    percentile(sorted, 99), sorted.get(sorted.size() - 1)));
        }
        Files.writeString(cluster.dir.getParent().resolve("propagation.txt"), report);
        System.out.println("propagation to the other two nodes, after the writing node answered:\n" + report);
        for (Map.Entry<String, List<Long>> e : millis.entrySet()) {
            List<Long> sorted = new ArrayList<>(e.getValue());
            Collections.sort(sorted);
            assertThat(percentile(sorted, 99)).as("p99 of '%s' (ms): %s", e.getKey(), sorted).isLessThan(1_000);
        }
    }

    @Test
    @Order(4)
    void aModelRemovedFromTheSharedConfigFileIsRefusedByEveryNodeAndStaysRemoved() throws Exception {
        Key key = key(team());
        awaitEverywhere(key.secret, "retired", s -> s == 200, Duration.ofSeconds(3));
        withRetiredModel = false;
        cluster.writeConfig(config(cluster));
        // Each node polls the file every second.
        awaitEverywhere(key.secret, "retired", s -> s == 404, Duration.ofSeconds(5));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
            for (Node node : cluster.nodes()) {
                assertThat(chat(node, key.secret, "retired", false).status).as("%s", node).isEqualTo(404);
                assertThat(chat(node, key.secret, "gpt-4o-mini", false).status).as("%s", node).isEqualTo(200);
            }
            Thread.sleep(250);
        }
    }

    @Test
    @Order(5)
    void whileRedisIsDownLimitedCallsFailClosedOthersAreServedAndEveryNodeRecoversWithoutRestart() throws Exception {
        String team = team();
        Key limited = key(team);
        Key free = key(team());
        admin(cluster.node(0), "POST", "/rate-limits", "{\"scope\":\"key\",\"subject\":\"" + limited.id + "\",\"rpm\":100000}", 201);
        Thread.sleep(1_000);
        awaitEverywhere(limited.secret, "gpt-4o-mini", s -> s == 200, Duration.ofSeconds(3));

        cluster.redis.down();
        try {
            List<Integer> refused = burst(3, i -> chat(cluster.node(i), limited.secret, "gpt-4o-mini", false));
            List<Integer> served = burst(3, i -> chat(cluster.node(i), free.secret, "gpt-4o-mini", false));
            assertThat(refused).as("limited key, Redis down").containsOnly(503);
            assertThat(served).as("key without limits or budgets, Redis down").containsOnly(200);
        } finally {
            cluster.redis.up();
        }
        long back = System.nanoTime();
        awaitEverywhere(limited.secret, "gpt-4o-mini", s -> s == 200, Duration.ofSeconds(10));
        System.out.printf("after Redis came back, every node served limited calls again within %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));

        // The change channel is subscribed again too: a budget made on one node is in force on all within a second.
        admin(cluster.node(0), "POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"period\":\"total\",\"limit_micros\":1}", 201);
        Thread.sleep(1_000);
        assertThat(burst(3, i -> chat(cluster.node(i), limited.secret, "gpt-4o-mini", false))).containsOnly(429);
    }

    @Test
    @Order(6)
    void whilePostgresIsDownEveryNodeKeepsServingAdminWritesAre503AndNoRequestLogRecordIsLost() throws Exception {
        String team = team();
        Key key = key(team);
        // Keys are loaded in the order they were made: once a later key works everywhere, so does this one,
        // which has made no call yet (its request log counts only the calls below).
        awaitEverywhere(key(team).secret, "gpt-4o-mini", s -> s == 200, Duration.ofSeconds(3));
        int calls = 0;
        cluster.postgres.down();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < until) {
                Node node = cluster.next();
                assertThat(chat(node, key.secret, "gpt-4o-mini", false).status).as("%s with PostgreSQL down", node).isEqualTo(200);
                calls++;
                Thread.sleep(20);
            }
            Reply write = cluster.send(cluster.node(1), "POST", "/admin/v1/teams", Cluster.MASTER_KEY, "{\"name\":\"during-outage\"}");
            assertThat(write.status).as(write.body).isEqualTo(503);
            assertThat(write.body).contains("storage_unavailable");
            // Still ready: the load balancer keeps every node, which all serve from memory.
            for (Node node : cluster.nodes()) {
                assertThat(cluster.status(node, "/health/ready")).as("%s ready during the outage", node).isEqualTo(200);
            }
        } finally {
            cluster.postgres.up();
        }
        // Nodes reconnect on their own; the records queued or spooled meanwhile are written, once each.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long stored = -1;
        while (System.nanoTime() < deadline && stored != calls) {
            Thread.sleep(250);
            stored = requestLogRows(key.id);
        }
        assertThat(stored).as("request-log records of %d calls made while PostgreSQL was down", calls).isEqualTo(calls);
        for (Node node : cluster.nodes()) {
            awaitStorageUp(node);
            admin(node, "POST", "/teams", "{\"name\":\"after-outage-" + node.index + "-" + cluster.run + "\"}", 201);
            // The request log reads the same on every node.
            JsonNode page = admin(node, "GET", "/usage/requests?key=" + key.id + "&limit=500", null, 200);
            assertThat(page.path("data").size()).as("%s", node).isEqualTo(calls);
        }
        // And so do the analytics (hourly rollups): the same answer from every node.
        List<String> summaries = new ArrayList<>();
        for (Node node : cluster.nodes()) {
            JsonNode rows = admin(node, "GET", "/usage/summary?group_by=key&key=" + key.id, null, 200).path("rows");
            assertThat(rows.size()).as("%s: %s", node, rows).isEqualTo(1);
            assertThat(rows.get(0).path("requests").asLong()).as("%s", node).isEqualTo(calls);
            assertThat(rows.get(0).path("cost_micros").asLong()).isEqualTo(calls * CALL_MICROS);
            summaries.add(rows.toString());
        }
        assertThat(summaries).containsOnly(summaries.get(0));
    }

    @Test
    @Order(8)
    void aNodeKilledMidStreamLeavesTheOthersServingAndItsReservationExpires() throws Exception {
        String team = team();
        Key key = key(team);
        String budget = admin(cluster.node(0), "POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"period\":\"total\",\"limit_micros\":100000}", 201).path("id").asText();
        Thread.sleep(1_000);
        Node victim = cluster.node(2);
        InputStream cut = openStream(victim, key.secret);
        InputStream survivor = openStream(cluster.node(0), key.secret);
        cluster.kill(victim);

        assertThat(readToEnd(cut)).as("stream of the killed node").doesNotContain("[DONE]");
        List<Integer> statuses = burst(20, i -> chat(cluster.next(), key.secret, "gpt-4o-mini", false));
        assertThat(statuses).containsOnly(200);
        assertThat(readToEnd(survivor)).as("stream on another node").contains("data: [DONE]");

        // The killed node never settles its stream: its reservation (30 micro-USD) is released when
        // its lease (5 s here) ends, instead of holding the budget until the period ends. What is
        // spent is what the calls that finished cost: the surviving stream and the 20 short calls.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode current;
        while ((current = admin(cluster.node(1), "GET", "/budgets/" + budget, null, 200).path("current"))
                .path("reserved_micros").asLong() != 0) {
            assertThat(System.nanoTime()).as("reservation still held: %s", current).isLessThan(deadline);
            Thread.sleep(200);
        }
        assertThat(current.path("spent_micros").asLong()).isEqualTo(30 + 20 * CALL_MICROS);
    }

    @Test
    @Order(9)
    void exactlyOneNodeRunsTheBackgroundWorkAndAnotherTakesOverWhenItIsKilled() throws Exception {
        List<Node> alive = cluster.nodes().stream().filter(n -> n.process.isAlive()).toList();
        assertThat(alive).hasSizeGreaterThanOrEqualTo(2);
        Node leader = awaitOneLeader(alive, Duration.ofSeconds(5));
        cluster.kill(leader);
        long killed = System.nanoTime();
        Node next = awaitOneLeader(alive.stream().filter(n -> n != leader).toList(), Duration.ofSeconds(8));
        System.out.printf("%s took over the background work %d ms after the leader was killed%n", next,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
    }

    /** Waits until exactly one of these nodes says (gauge gatehouse_leader) that it leads, and returns it. */
    private Node awaitOneLeader(List<Node> nodes, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<Node> leaders = nodes.stream().filter(n -> cluster.send(n, "GET", "/metrics", "-", null).body
                    .lines().anyMatch(line -> line.startsWith("gatehouse_leader ") && line.endsWith(" 1.0"))).toList();
            if (leaders.size() == 1) {
                return leaders.get(0);
            }
            assertThat(System.nanoTime()).as("leaders among %s: %s", nodes, leaders).isLessThan(deadline);
            sleep(100);
        }
    }

    @Test
    @Order(7)
    void aProviderThatOneNodeSawFailIsAvoidedByEveryNode() throws Exception {
        Key key = key(team());
        awaitEverywhere(key.secret, "flaky", s -> s == 200, Duration.ofSeconds(3));
        upstream.failAlways(Fault.serverError());
        try {
            // Only node 0 sees the failures (answers come from the fallback): its breaker opens.
            for (int i = 0; i < 8; i++) {
                assertThat(chat(cluster.node(0), key.secret, "flaky", false).status).isEqualTo(200);
            }
            int seen = upstream.requestCount();
            Thread.sleep(500);
            // The other nodes have never had a failure from it, yet do not send it a single call.
            for (int i = 0; i < 10; i++) {
                assertThat(chat(cluster.node(1 + i % 2), key.secret, "flaky", false).status).isEqualTo(200);
            }
            assertThat(upstream.requestCount()).as("calls that reached the failing provider from nodes 1 and 2").isEqualTo(seen);
        } finally {
            upstream.clearFaults();
        }
    }

    // ---- helpers

    record Key(String id, String secret) {}


    private String team() {
        return admin(cluster.next(), "POST", "/teams", "{\"name\":\"team-" + java.util.UUID.randomUUID() + "\"}", 201).path("id").asText();
    }

    private Key key(String team) {
        JsonNode created = admin(cluster.next(), "POST", "/keys", "{\"owner_id\":\"" + team + "\"}", 201);
        return new Key(created.path("id").asText(), created.path("key").asText());
    }

    /**
     * Makes a change through {@code writer} and returns how long after its answer the change was
     * in force on the two other nodes (the later of the two), each polled every few milliseconds.
     */
    private long propagation(Node writer, String secret, String model, IntPredicate changed, Runnable change) {
        List<Node> others = cluster.nodes().stream().filter(n -> n != writer).toList();
        change.run();
        long t0 = System.nanoTime();
        List<CompletableFuture<Long>> each = others.stream().map(node -> CompletableFuture.supplyAsync(() -> {
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
                if (changed.test(chat(node, secret, model, false).status)) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }
                sleep(5);
            }
            return Long.MAX_VALUE;
        }, callers)).toList();
        long worst = each.stream().mapToLong(CompletableFuture::join).max().orElseThrow();
        assertThat(worst).as("change not in force on every node within 5 s").isLessThan(5_000);
        return worst;
    }

    private void awaitEverywhere(String secret, String model, IntPredicate ok, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        for (Node node : cluster.nodes()) {
            if (!node.process.isAlive()) {
                continue;
            }
            int status;
            while (!ok.test(status = chat(node, secret, model, false).status)) {
                assertThat(System.nanoTime()).as("%s still answers %d for %s", node, status, model).isLessThan(deadline);
                sleep(20);
            }
        }
    }

    /** Storage is checked every 5 s: the node says it is up again within a check or two. */
    private void awaitStorageUp(Node node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
        Reply ready;
        while (!(ready = cluster.send(node, "GET", "/health/ready", "-", null)).body.contains("\"storage\":\"up\"")) {
            assertThat(System.nanoTime()).as("%s after PostgreSQL returned: %s", node, ready.body).isLessThan(deadline);
            sleep(200);
        }
    }

    private List<Integer> burst(int n, java.util.function.IntFunction<Reply> call) {
        List<CompletableFuture<Reply>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            all.add(CompletableFuture.supplyAsync(() -> call.apply(index), callers));
        }
        return all.stream().map(f -> f.join().status).toList();
    }

    private static long count(List<Integer> statuses, int status) {
        return statuses.stream().filter(s -> s == status).count();
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private Reply chat(Node node, String secret, String model, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", 12).put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello cluster");
        return cluster.send(node, "POST", "/v1/chat/completions", secret, body.toString());
    }

    private JsonNode admin(Node node, String method, String path, String body, int expected) {
        Reply reply = cluster.send(node, method, "/admin/v1" + path, Cluster.MASTER_KEY, body);
        assertThat(reply.status).as("%s %s on %s: %s", method, path, node, reply.body).isEqualTo(expected);
        try {
            return JSON.readTree(reply.body);
        } catch (IOException e) {
            throw new AssertionError(reply.body, e);
        }
    }

    /** Starts a slow stream and returns once its first event arrived. */
    private InputStream openStream(Node node, String secret) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", "slow").put("max_tokens", 30).put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello cluster");
        HttpResponse<InputStream> response = cluster.http.send(HttpRequest.newBuilder(URI.create(node.origin() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        InputStream in = response.body();
        assertThat(in.read()).isNotEqualTo(-1);
        return in;
    }

    private static String readToEnd(InputStream in) {
        StringBuilder text = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                text.append(line).append('\n');
            }
        } catch (IOException e) {
            text.append("(cut: ").append(e.getClass().getSimpleName()).append(")");
        }
        return text.toString();
    }

    private long requestLogRows(String keyId) throws Exception {
        try (Connection c = DriverManager.getConnection(cluster.directPostgresUrl());
                PreparedStatement st = c.prepareStatement("SELECT count(*) FROM request_log WHERE key_id = ?")) {
            st.setString(1, keyId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

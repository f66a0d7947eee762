package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.Cluster.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.cluster.Cluster.Node;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * Two gateway processes on a real Redis Cluster of three masters that this test starts on free
 * 127.0.0.1 ports ({@code redis-cli --cluster create}), reached through a
 * {@code redis-cluster://} URL: an rpm limit and a budget are exact across both nodes (the budget
 * test spans two hash tags, the organisation's and the team's), a key revoked on one node is
 * refused by the other, and when the master holding a limit's bucket is killed the calls under
 * that limit fail closed (503) within the command deadline while calls without limits are served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 12 output tokens at $1 per 1M, input free. */
    private static final long CALL_MICROS = 12;

    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private Path dir;
    private Cluster cluster;
    /** A gateway of its own (schema, key prefix) on the same Redis Cluster, with the 'local' outage policy. */
    private Cluster local;

    @BeforeAll
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")) && Files.isExecutable(Path.of("/usr/bin/redis-cli")),
                "redis-server and redis-cli are needed to start a Redis Cluster");
        dir = Files.createTempDirectory("gatehouse-redis-cluster");
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            ports.add(port);
            Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
            processes.add(p);
        }
        for (int port : ports) {
            awaitAnswer(port, "PING", "PONG", Duration.ofSeconds(10));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process creating = new ProcessBuilder(create).redirectErrorStream(true)
                .redirectOutput(dir.resolve("create.log").toFile()).start();
        assertThat(creating.waitFor(30, TimeUnit.SECONDS)).as("redis-cli --cluster create finished").isTrue();
        assertThat(creating.exitValue()).as(Files.readString(dir.resolve("create.log"))).isZero();
        for (int port : ports) {
            awaitAnswer(port, "CLUSTER INFO", "cluster_state:ok", Duration.ofSeconds(20));
        }
        cluster = Cluster.start(2, c -> config(c, ""));
    }

    /** The nodes' config on this test's Redis Cluster, with {@code redisExtra} lines added under {@code redis:}. */
    private String config(Cluster c, String redisExtra) {
        return """
                server:
                  event-loops: 1
                auth:
                  master-key: %s
                  failed-attempts: {enabled: false}
                storage:
                  url: "%s"
                redis:
                  url: "redis-cluster://127.0.0.1:%d,127.0.0.1:%d"
                  key-prefix: "%s"
                %s
                budgets:
                  reservation-lease: 5s
                providers:
                  mock: {kind: mock, mock: {chunk-delay: 1ms, output-tokens: 12}}
                models:
                  gpt-4o-mini:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: mock}]
                """.formatted(Cluster.MASTER_KEY, c.postgresUrl(), ports.get(0), ports.get(1), c.redisPrefix, redisExtra);
    }

    @AfterAll
    void stop() throws Exception {
        callers.shutdownNow();
        for (Cluster c : new Cluster[] {cluster, local}) {
            if (c != null) {
                c.close();
            }
        }
        for (Process p : processes) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void anRpmLimitIsExactAcrossTwoNodes() {
        Key key = key(team());
        admin(cluster.node(0), "POST", "/rate-limits", "{\"scope\":\"key\",\"subject\":\"" + key.id + "\",\"rpm\":5}", 201);
        awaitOnEveryNode(() -> admin(cluster.node(1), "GET", "/rate-limits", null, 200).toString().contains(key.id));
        List<Integer> statuses = burst(15, i -> chat(cluster.next(), key.secret));
        assertThat(count(statuses, 200)).as("%s", statuses).isEqualTo(5);
        assertThat(count(statuses, 429)).as("%s", statuses).isEqualTo(10);
    }

    @Test
    @Order(2)
    void aBudgetIsExactAcrossTwoNodesAndTwoHashTags() {
        String team = team();
        Key key = key(team);
        // The organisation's budget and the team's live under different hash tags (on different
        // masters, as likely as not): a call reserves on both, and a refusal by one gives back the other.
        String org = admin(cluster.node(0), "POST", "/budgets", "{\"scope\":\"org\",\"period\":\"day\",\"limit_micros\":1000000}", 201)
                .path("id").asText();
        String mine = admin(cluster.node(1), "POST", "/budgets", "{\"scope\":\"team\",\"subject\":\"" + team
                + "\",\"period\":\"day\",\"limit_micros\":" + 4 * CALL_MICROS + "}", 201).path("id").asText();
        awaitOnEveryNode(() -> admin(cluster.node(0), "GET", "/budgets/" + mine, null, 200).has("current"));
        List<Integer> statuses = burst(16, i -> chat(cluster.next(), key.secret));
        assertThat(count(statuses, 200)).as("%s", statuses).isEqualTo(4);
        assertThat(count(statuses, 429)).as("%s", statuses).isEqualTo(12);
        for (Node node : cluster.nodes()) {
            JsonNode teamBudget = awaitSettled(node, mine);
            assertThat(teamBudget.path("spent_micros").asLong()).as("team budget on %s", node).isEqualTo(4 * CALL_MICROS);
            JsonNode whole = awaitSettled(node, org);
            assertThat(whole.path("spent_micros").asLong()).as("org budget on %s: refused calls gave back what they held", node)
                    .isEqualTo(4 * CALL_MICROS);
        }
        admin(cluster.node(0), "DELETE", "/budgets/" + org, null, 204);
    }

    @Test
    @Order(3)
    void aKeyRevokedOnOneNodeIsRefusedByTheOther() {
        Key key = key(team());
        awaitOnEveryNode(() -> chat(cluster.node(1), key.secret).status == 200); // keys reach every node within a 250 ms poll
        admin(cluster.node(0), "POST", "/keys/" + key.id + "/revoke", "{}", 200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int status;
        while ((status = chat(cluster.node(1), key.secret).status) != 401) {
            assertThat(System.nanoTime()).as("node 1 still answers %d for a revoked key", status).isLessThan(deadline);
            sleep(20);
        }
    }

    @Test
    @Order(4)
    void aKilledMasterFailsItsLimitsClosedWithoutAHang() throws Exception {
        Key limited = key(team());
        Key free = key(team());
        String limit = admin(cluster.node(0), "POST", "/rate-limits", "{\"scope\":\"key\",\"subject\":\"" + limited.id
                + "\",\"rpm\":1000}", 201).path("id").asText();
        awaitOnEveryNode(() -> chat(cluster.node(1), limited.secret).status == 200 && chat(cluster.node(0), limited.secret).status == 200
                && chat(cluster.node(0), free.secret).status == 200 && chat(cluster.node(1), free.secret).status == 200);
        // The master that holds this key's bucket.
        int owner = -1;
        for (int i = 0; i < ports.size(); i++) {
            RedisClient node = RedisClient.create(RedisURI.create("127.0.0.1", ports.get(i)));
            try (var c = node.connect()) {
                if (c.sync().keys(cluster.redisPrefix + "tb:*").stream().anyMatch(k -> k.contains(limit))) {
                    owner = i;
                }
            } finally {
                node.shutdown();
            }
        }
        assertThat(owner).as("a master holds the bucket of the key's limit").isNotNegative();
        // A gateway with the 'local' policy on the same cluster, one key under a limit of 3 per minute.
        local = Cluster.start(1, c -> config(c, "  expected-nodes: 1\n  on-outage: {rate-limits: local, budgets: local}"));
        Node alone = local.node(0);
        String localTeam = admin(alone, "POST", "/teams", "{\"name\":\"local\"}", 201).path("id").asText();
        JsonNode localKey = admin(alone, "POST", "/keys", "{\"owner_id\":\"" + localTeam + "\"}", 201);
        admin(alone, "POST", "/rate-limits", "{\"scope\":\"key\",\"subject\":\"" + localKey.path("id").asText() + "\",\"rpm\":3}", 201);
        String localSecret = localKey.path("key").asText();
        assertThat(chat(alone, localSecret).status).as("counted in the cluster before the kill").isEqualTo(200);

        processes.get(owner).destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        // For the next 5 s (the cluster marks the slots failed after its 2 s node timeout): every
        // limited call is refused with 503 well within the 2 s command deadline plus a margin, never
        // let through unmetered and never hanging; calls without a limit never touch Redis.
        int refused = 0;
        while (System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(5)) {
            for (Node node : cluster.nodes()) {
                long t0 = System.nanoTime();
                Reply r = chat(node, limited.secret);
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(took).as("a limited call on %s after the kill", node).isLessThan(4_000);
                assertThat(r.status).as("%s: %s", node, r.body).isEqualTo(503);
                assertThat(r.body).contains("rate_limit_unavailable");
                refused++;
                assertThat(chat(node, free.secret).status).as("a call without limits on %s", node).isEqualTo(200);
            }
        }
        System.out.printf("Redis Cluster: %d limited calls refused (503) in the 5 s after their master was killed%n", refused);
        assertThat(refused).isPositive();

        // Once the cluster refuses every command (its slots are not all served), the 'local'
        // gateway enforces the limit alone, on its whole share (expected-nodes 1), without a hang.
        awaitAnswer(ports.get((owner + 1) % ports.size()), "CLUSTER INFO", "cluster_state:fail", Duration.ofSeconds(20));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            statuses.add(chat(alone, localSecret).status);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("a call on the 'local' gateway").isLessThan(4_000);
        }
        assertThat(statuses).as("a fresh local bucket of 3, then the limit").containsExactly(200, 200, 200, 429);
        assertThat(cluster.send(alone, "GET", "/metrics", Cluster.MASTER_KEY, null).body).contains("gatehouse_redis_fallback_active 1.0");
    }

    record Key(String id, String secret) {}


    private JsonNode awaitSettled(Node node, String budget) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode current;
        while ((current = admin(node, "GET", "/budgets/" + budget, null, 200).path("current")).path("reserved_micros").asLong() != 0) {
            assertThat(System.nanoTime()).as("budget %s still holds %s on %s", budget, current, node).isLessThan(deadline);
            sleep(50);
        }
        return current;
    }

    private void awaitOnEveryNode(java.util.function.BooleanSupplier ready) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ready.getAsBoolean()) {
            assertThat(System.nanoTime()).as("change in force on every node").isLessThan(deadline);
            sleep(50);
        }
        sleep(300); // the other node re-reads definitions on the change announcement, within milliseconds
    }

    private String team() {
        return admin(cluster.next(), "POST", "/teams", "{\"name\":\"team-" + UUID.randomUUID() + "\"}", 201).path("id").asText();
    }

    private Key key(String team) {
        JsonNode created = admin(cluster.next(), "POST", "/keys", "{\"owner_id\":\"" + team + "\"}", 201);
        return new Key(created.path("id").asText(), created.path("key").asText());
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

    private Reply chat(Node node, String secret) {
        ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o-mini").put("max_tokens", 12);
        body.putArray("messages").addObject().put("role", "user").put("content", "hello cluster");
        return cluster.send(node, "POST", "/v1/chat/completions", secret, body.toString());
    }

    private JsonNode admin(Node node, String method, String path, String body, int expected) {
        Reply reply = cluster.send(node, method, "/admin/v1" + path, Cluster.MASTER_KEY, body);
        assertThat(reply.status).as("%s %s on %s: %s", method, path, node, reply.body).isEqualTo(expected);
        try {
            return reply.body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(reply.body);
        } catch (IOException e) {
            throw new AssertionError(reply.body, e);
        }
    }

    /** Waits until {@code redis-cli -p port <command>} answers with {@code expected} in it. */
    private static void awaitAnswer(int port, String command, String expected, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            List<String> argv = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
            argv.addAll(List.of(command.split(" ")));
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = p.waitFor(5, TimeUnit.SECONDS) ? new String(p.getInputStream().readAllBytes()) : "";
            p.destroyForcibly();
            if (out.contains(expected)) {
                return;
            }
            assertThat(System.nanoTime()).as("redis on %d: %s answered %s", port, command, out).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

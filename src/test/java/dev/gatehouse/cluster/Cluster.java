package dev.gatehouse.cluster;

import dev.gatehouse.testing.TestRedis;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Several gateway nodes as real JVM processes on 127.0.0.1, sharing the machine's PostgreSQL (a
 * fresh schema per cluster) and Redis (a fresh key prefix per cluster), each through a
 * {@link TcpProxy} the test can cut to stage an outage. All nodes read one config file, as pods
 * read one ConfigMap. {@link #next()} spreads requests round-robin. {@link #close()} kills every
 * node (and a JVM shutdown hook does too); the nodes also exit on their own when the test JVM
 * dies or after {@link ClusterNodeMain#MAX_LIFE}.
 */
final class Cluster implements AutoCloseable {
    static final String MASTER_KEY = "gh-cluster-master-key-0123456789";
    private static final Duration START_DEADLINE = Duration.ofSeconds(90);

    final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String schema = "cluster_" + run;
    final String redisPrefix = "t-" + run + ":";
    final Path dir;
    final Path configFile;
    final TcpProxy postgres;
    final TcpProxy redis;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String basePostgresUrl;
    private final Function<Cluster, String> config;
    private final List<Node> nodes = new ArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final Thread shutdownHook = new Thread(this::killAll);

    /** One node: its process, port and log file. */
    /** An answer's status and body; status -1 with the exception's text when the node could not be reached. */
    static final class Reply {
        final int status;
        final String body;

        Reply(int status, String body) {
            this.status = status;
            this.body = body;
        }

        int status() {
            return status;
        }
    }

    /** One request to a node within 15 s; never throws (an unreachable node is a -1 reply). */
    Reply send(Node node, String method, String path, String secret, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.origin() + path)).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Reply(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, e.toString());
        }
    }

    static final class Node {
        final int index;
        final int port;
        final Path log;
        volatile Process process;

        Node(int index, int port, Path log) {
            this.index = index;
            this.port = port;
            this.log = log;
        }

        String origin() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public String toString() {
            return "node " + index + " (" + origin() + ")";
        }
    }

    /**
     * Starts {@code size} nodes and returns when every one is ready.
     *
     * @param config the config file's text for this cluster (it can read the proxies' ports, schema, prefix)
     */
    static Cluster start(int size, Function<Cluster, String> config) throws Exception {
        Cluster cluster = new Cluster(config);
        try {
            cluster.createSchema();
            cluster.writeConfig(config.apply(cluster));
            for (int i = 0; i < size; i++) {
                cluster.nodes.add(new Node(i, freePort(), cluster.dir.resolve("node-" + i + ".log")));
            }
            for (Node node : cluster.nodes) {
                cluster.launch(node);
            }
            for (Node node : cluster.nodes) {
                cluster.awaitReady(node);
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private Cluster(Function<Cluster, String> config) throws IOException {
        this.config = config;
        this.basePostgresUrl = System.getProperty("gatehouse.test.postgres");
        if (basePostgresUrl == null) {
            throw new IllegalStateException("System property gatehouse.test.postgres is not set (see pom.xml surefire config)");
        }
        URI pg = URI.create(basePostgresUrl.substring("jdbc:".length()));
        URI rd = URI.create(TestRedis.url());
        this.dir = Files.createDirectories(Path.of("target", "cluster", run)).toAbsolutePath();
        this.configFile = dir.resolve("gatehouse.yaml");
        this.postgres = new TcpProxy(pg.getHost(), pg.getPort() < 0 ? 5432 : pg.getPort());
        this.redis = new TcpProxy(rd.getHost(), rd.getPort() < 0 ? 6379 : rd.getPort());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The JDBC URL nodes use: through the proxy, in this cluster's schema. */
    String postgresUrl() {
        URI pg = URI.create(basePostgresUrl.substring("jdbc:".length()));
        String query = pg.getRawQuery() == null ? "" : pg.getRawQuery() + "&";
        return "jdbc:postgresql://127.0.0.1:" + postgres.port() + pg.getRawPath() + "?" + query + "currentSchema=" + schema;
    }

    /** The JDBC URL for the test itself: straight to PostgreSQL (never cut), in this cluster's schema. */
    String directPostgresUrl() {
        return basePostgresUrl + (basePostgresUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    String redisUrl() {
        return "redis://127.0.0.1:" + redis.port();
    }

    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    Node node(int i) {
        return nodes.get(i);
    }

    /** The next live node, round-robin. */
    Node next() {
        for (int tries = 0; tries < nodes.size(); tries++) {
            Node n = nodes.get(Math.floorMod(roundRobin.getAndIncrement(), nodes.size()));
            if (n.process.isAlive()) {
                return n;
            }
        }
        throw new IllegalStateException("no node alive");
    }

    /** Replaces the shared config file atomically (as a ConfigMap update does). */
    void writeConfig(String text) throws IOException {
        Path tmp = dir.resolve("gatehouse.yaml.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** SIGKILL: the node gets no chance to clean up. */
    void kill(Node node) throws InterruptedException {
        node.process.destroyForcibly();
        node.process.waitFor();
    }

    private void launch(Node node) throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "--enable-native-access=ALL-UNNAMED",
                "-D" + ClusterNodeMain.MAX_LIFE + "=300",
                "-cp", classpath, ClusterNodeMain.class.getName(),
                "start", "--config", configFile.toString(), "--host", "127.0.0.1", "--port", Integer.toString(node.port),
                "--data", Files.createDirectories(dir.resolve("data-" + node.index)).toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()));
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        node.process = builder.start();
    }

    private void awaitReady(Node node) throws Exception {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.process.isAlive()) {
                throw new IllegalStateException(node + " exited at start:\n" + tail(node));
            }
            if (status(node, "/health/ready") == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(node + " not ready within " + START_DEADLINE + ":\n" + tail(node));
    }

    int status(Node node, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(node.origin() + path)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The last lines of a node's log, for failure messages. */
    String tail(Node node) {
        try {
            List<String> lines = Files.readAllLines(node.log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void createSchema() throws SQLException {
        execute("CREATE SCHEMA " + schema);
    }

    private void execute(String sql) throws SQLException {
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(basePostgresUrl); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private void killAll() {
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.destroyForcibly();
            }
        }
        for (Node node : nodes) {
            if (node.process != null) {
                try {
                    node.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public void close() {
        killAll();
        postgres.close();
        redis.close();
        try {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("cluster schema " + schema + " not dropped: " + e.getMessage());
        }
        deleteRedisKeys();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook runs anyway
        }
    }

    private void deleteRedisKeys() {
        RedisClient client = TestRedis.client();
        try (var connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = sync.scan(cursor, ScanArgs.Builder.matches(redisPrefix + "*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    sync.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

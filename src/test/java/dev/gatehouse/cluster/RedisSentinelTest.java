package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.testing.FakeOpenAi;
import dev.gatehouse.testing.GatewayHarness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A gateway on a {@code redis-sentinel://} URL, against real processes this test starts on free
 * 127.0.0.1 ports: a Redis master, a replica and a Sentinel watching them. Rate limits and budgets
 * are exact through it, and when the master is killed the Sentinel promotes the replica and the
 * gateway follows it (limited calls are served again, not refused with 503).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisSentinelTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final List<Process> processes = new ArrayList<>();
    Path dir;
    Process master;
    int masterPort;
    int replicaPort;
    int sentinelPort;
    FakeOpenAi fake;
    GatewayHarness gateway;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("gatehouse-sentinel");
        masterPort = freePort();
        replicaPort = freePort();
        sentinelPort = freePort();
        master = redis(masterPort, "--save", "", "--appendonly", "no");
        redis(replicaPort, "--save", "", "--appendonly", "no", "--replicaof", "127.0.0.1", Integer.toString(masterPort));
        Path sentinelConf = dir.resolve("sentinel.conf");
        Files.writeString(sentinelConf, """
                port %d
                bind 127.0.0.1
                dir %s
                sentinel monitor gh-master 127.0.0.1 %d 1
                sentinel down-after-milliseconds gh-master 1000
                sentinel failover-timeout gh-master 5000
                """.formatted(sentinelPort, dir, masterPort));
        start(List.of("redis-server", sentinelConf.toString(), "--sentinel"), sentinelPort);
        awaitReplicaInSync();

        fake = FakeOpenAi.start();
        gateway = GatewayHarness.start("""
                providers:
                  fake: {kind: openai, base-url: "%s", api-key: %s}
                models:
                  metered:
                    pricing: {input: 0, output: 1.00}
                    targets: [{provider: fake, model: gpt-4o-mini}]
                redis:
                  url: "redis-sentinel://127.0.0.1:%d#gh-master"
                  key-prefix: "sentinel-%s:"
                """.formatted(fake.baseUrl(), FakeOpenAi.DEFAULT_KEY, sentinelPort, UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {gateway, fake}) {
            if (c != null) {
                c.close();
            }
        }
        for (Process p : processes) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void limitsAndBudgetsAreExactThroughSentinelAndFollowAFailover() throws Exception {
        fake.usage(1, 100, 0, 0); // each call costs exactly 100 micro-USD
        assertThat(admin("/rate-limits", "{\"scope\":\"model\",\"subject\":\"metered\",\"rpm\":4}")).isEqualTo(201);
        assertThat(admin("/budgets", "{\"scope\":\"org\",\"period\":\"day\",\"limit_micros\":300}")).isEqualTo(201);
        // Budget of exactly 3 calls under a limit of 4: 3 answers, then the budget refuses.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat();
            assertThat(r.statusCode()).as("call %d: %s", i, r.body()).isEqualTo(200);
        }
        HttpResponse<String> overBudget = chat();
        assertThat(overBudget.statusCode()).as(overBudget.body()).isEqualTo(429);
        assertThat(overBudget.body()).contains("insufficient_quota");
        // The 4th call took the limit's last request before the budget refused it: the 5th meets the limit.
        HttpResponse<String> fifth = chat();
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.body()).contains("rate_limit_exceeded");

        // The master dies: the Sentinel promotes the replica and the gateway follows it.
        master.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        long deadline = killed + TimeUnit.SECONDS.toNanos(30);
        int status = 503;
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = chat();
            status = r.statusCode();
            body = r.body();
            if (status != 503) {
                break;
            }
            Thread.sleep(200);
        }
        // Answered from the promoted replica, which holds the replicated state: still refused, not let through.
        assertThat(status).as("served from the promoted replica: %s", body).isEqualTo(429);
        assertThat(body).contains("rate_limit_exceeded");
        assertThat(String.valueOf(send(sentinelPort, "SENTINEL get-master-addr-by-name gh-master")))
                .as("the replica is the master now").contains(Integer.toString(replicaPort));
        System.out.printf("Sentinel failover: limited calls served again %d ms after the master was killed%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
    }

    private int admin(String path, String body) {
        return gateway.post("/admin/v1" + path, body).statusCode();
    }

    private HttpResponse<String> chat() {
        return gateway.post("/v1/chat/completions", "{\"model\":\"metered\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private Process redis(int port, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString()));
        command.addAll(List.of(args));
        return start(command, port);
    }

    private Process start(List<String> command, int port) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(send(port, "PING"))) {
            assertThat(System.nanoTime()).as("redis on port %d did not start: %s", port, dir).isLessThan(deadline);
            Thread.sleep(50);
        }
        return p;
    }

    private void awaitReplicaInSync() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!String.valueOf(send(replicaPort, "INFO replication")).contains("master_link_status:up")) {
            assertThat(System.nanoTime()).as("replica never synced").isLessThan(deadline);
            Thread.sleep(100);
        }
        // The Sentinel has seen the replica (it promotes only a replica it knows).
        while (!String.valueOf(send(sentinelPort, "SENTINEL replicas gh-master")).contains(Integer.toString(replicaPort))) {
            assertThat(System.nanoTime()).as("sentinel never saw the replica").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** One inline command; the raw answer, or null when nothing listens. */
    private static String send(int port, String command) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[16_384];
            int n = in.read(buffer);
            return n <= 0 ? null : new String(buffer, 0, n, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

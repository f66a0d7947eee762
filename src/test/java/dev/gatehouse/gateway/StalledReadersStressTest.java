package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.GatewayHarness;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many callers that stop reading endless streams at once: the gateway must keep a bounded heap
 * and live on. 100 readers in the default suite; the full check (docs/operations.md, "Callers
 * that stop reading") runs with {@code -Dgatehouse.stalled-readers=1000} and a sized heap.
 */
class StalledReadersStressTest {

    @Test
    @Timeout(120)
    void manyStalledReadersCostABoundedHeap() throws Exception {
        int readers = Integer.getInteger("gatehouse.stalled-readers", 100);
        try (EndlessUpstream upstream = new EndlessUpstream();
                GatewayHarness gateway = GatewayHarness.start("""
                        providers:
                          up: {kind: openai, base-url: "%s", api-key: sk-test}
                        models:
                          endless:
                            timeouts: {idle: 120s, total: 300s}
                            targets: [{provider: up, model: gpt-4o}]
                        """.formatted(upstream.baseUrl()))) {
            long before = usedHeapAfterGc();
            List<Socket> callers = new ArrayList<>();
            try {
                long start = System.nanoTime();
                for (int i = 0; i < readers; i++) {
                    callers.add(StalledReaderTest.stalledCaller(gateway.port()));
                }
                long settled = StalledReaderTest.awaitSettled(upstream, readers);
                Thread.sleep(1000L * Integer.getInteger("gatehouse.stalled-hold-s", 0)); // time for a heap histogram
                long after = usedHeapAfterGc();
                long perStreamHeap = Math.max(0, after - before) / readers;
                String report = ("stalled readers: %d, max heap %d MiB, heap in use %d -> %d MiB (%d KiB per stream),"
                        + " read from the upstream %d MiB (%d KiB per stream), RSS %s MiB, %d s")
                        .formatted(readers, Runtime.getRuntime().maxMemory() >> 20, before >> 20, after >> 20,
                                perStreamHeap >> 10, settled >> 20, settled / readers >> 10, rssMiB(),
                                (System.nanoTime() - start) / 1_000_000_000L);
                System.out.println(report);
                assertThat(perStreamHeap).as(report).isLessThan(512 * 1024);
                // The gateway still answers.
                assertThat(gateway.get("/health/live").statusCode()).isEqualTo(200);
            } finally {
                for (Socket caller : callers) {
                    caller.close();
                }
            }
        }
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static String rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.toString(Long.parseLong(line.replaceAll("\\D", "")) >> 10);
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "?";
    }
}

package dev.gatehouse.routing;

import dev.gatehouse.config.ModelConfig;
import dev.gatehouse.config.RoutingConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;
import java.lang.reflect.Proxy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the adaptive first-byte deadline adds to each call: one sample recorded (every 8th also
 * re-sorts the 128-sample window) and the deadline read for the next attempt. {@code learner}
 * is that alone; {@code monitorCall} is the whole per-attempt health bookkeeping (started,
 * deadline, finished: statistics, breaker, learner) as the executor runs it. Lives in the routing
 * package because FirstByteDeadline is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class FirstByteDeadlineBench {
    static final RoutingConfig.AdaptiveFirstByte SETTINGS = RoutingConfig.AdaptiveFirstByte.DEFAULTS;

    FirstByteDeadline learner;
    TargetMonitor monitor;
    Target target;

    @Setup
    public void setup() {
        learner = new FirstByteDeadline();
        monitor = new TargetMonitor(() -> RoutingConfig.CircuitBreaker.DEFAULTS, () -> SETTINGS);
        Provider provider = (Provider) Proxy.newProxyInstance(Provider.class.getClassLoader(), new Class<?>[] {Provider.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "bench";
                    case "timeouts" -> Timeouts.DEFAULTS;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        target = new Target(provider, "model", Timeouts.DEFAULTS, new ModelConfig.TargetConfig("bench", "model", Timeouts.DEFAULTS),
                true);
        for (int i = 0; i < 256; i++) {
            learner.record(100 + i % 50, SETTINGS);
            monitor.started(target);
            monitor.finished(target, TargetHealth.Outcome.SUCCESS, 100_000_000L, 500_000_000L, 100);
        }
    }

    @Benchmark
    public long learner() {
        learner.record(80 + ThreadLocalRandom.current().nextInt(100), SETTINGS);
        return learner.deadlineMillis(120_000, SETTINGS);
    }

    @Benchmark
    public long monitorCall() {
        monitor.started(target);
        long deadline = monitor.firstByteDeadlineMillis(target);
        monitor.finished(target, TargetHealth.Outcome.SUCCESS, (80 + ThreadLocalRandom.current().nextInt(100)) * 1_000_000L,
                500_000_000L, 100);
        return deadline;
    }
}

package dev.gatehouse.bench;

import dev.gatehouse.cache.CachedAnswer;
import dev.gatehouse.cache.MemoryAnswerStore;
import dev.gatehouse.cache.ResponseCache;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.config.CacheConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The answer cache's own work per call, on the load benchmark's request (bench/run.sh): with the
 * cache off (the one check every call pays), the key (parse, canonical form, SHA-256), and a whole
 * memory-store hit (key and lookup). The replay's socket write is the same as any answer's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class CacheBench {
    static final Principal CALLER = new Principal("key-1", "virtual-key", "key-1", "user-1", "team-1", Set.of(), null);

    Buffer body;
    ResponseCache off;
    ResponseCache on;

    @Setup
    public void setup() {
        body = Buffer.buffer(HotPathBench.REQUEST.replace(",\"stream\":true", ""));
        CacheConfig enabled = new CacheConfig(true, "memory", 64L << 20, 4L << 20, java.time.Duration.ofHours(1),
                Map.of(), Set.of(), Set.of(), false, CacheConfig.Semantic.OFF);
        off = new ResponseCache(() -> CacheConfig.OFF, new MemoryAnswerStore(1 << 20), null, System::currentTimeMillis);
        on = new ResponseCache(() -> enabled, new MemoryAnswerStore(64L << 20), null, System::currentTimeMillis);
        ResponseCache.Lookup lookup = on.prepare(call(), body, null);
        ResponseCache.Recording recording = on.recording(lookup);
        recording.append(Buffer.buffer(HotPathBench.COMPLETION));
        recording.completed(Usage.of(25, 12), "fast", "gpt-4o-mini");
    }

    static Call call() {
        Call call = new Call("req-1", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        call.principal(CALLER);
        call.model("bench-fast");
        return call;
    }

    /** What a call pays when the cache is off: one check. */
    @Benchmark
    public boolean cacheOff() {
        return off.enabled();
    }

    /** The exact key of the benchmark request: parse, canonical form, SHA-256. */
    @Benchmark
    public Object key() {
        return on.prepare(call(), body, null);
    }

    /** A whole hit on the memory store: the key, then the lookup (completed synchronously). */
    @Benchmark
    public CachedAnswer hit() {
        ResponseCache.Hit hit = on.find(on.prepare(call(), body, null)).result();
        return hit.answer();
    }
}

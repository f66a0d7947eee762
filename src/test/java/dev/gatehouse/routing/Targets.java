package dev.gatehouse.routing;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.config.ModelConfig.TargetConfig;
import dev.gatehouse.config.Timeouts;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.Transport;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.provider.WireCodec;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/** Test helpers: targets on inert providers, calls, and a clock the test moves. */
final class Targets {
    private Targets() {}

    /** A chat route with no fallbacks, capabilities or router. */
    static Route route(String name, String strategy, List<Target> targets) {
        return new Route(name, false, targets, strategy, List.of(), Set.of(), null);
    }

    static Target target(String provider, String model) {
        return target(provider, model, 1, null, null);
    }

    static Target target(String provider, String model, int weight, Integer rpm, Integer tpm) {
        return new Target(provider(provider), model, Timeouts.DEFAULTS,
                new TargetConfig(provider, model, Timeouts.INHERIT, weight, null, rpm, tpm));
    }

    static Provider provider(String name) {
        return new Provider() {
            @Override public String name() { return name; }
            @Override public WireCodec codec() { return null; }
            @Override public Transport transport() { return null; }
            @Override public Timeouts timeouts() { return Timeouts.DEFAULTS; }
            @Override public boolean passthrough() { return false; }
            @Override public UpstreamRequest chat(Buffer body, String upstreamModel, boolean stream) { return null; }
            @Override public UpstreamRequest embeddings(Buffer body, String upstreamModel) { return null; }
        };
    }

    static Call call(String model, boolean stream) {
        Call call = new Call("req", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap(), System.nanoTime());
        call.model(model);
        call.stream(stream);
        return call;
    }

    /** A clock that stands still until the test advances it. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
        @Override public long millis() { return now.toEpochMilli(); }
    }
}

package dev.gatehouse.gateway;

import dev.gatehouse.access.Principal;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;

/**
 * One caller request on its way through the gateway: what came in, who sent it, and what
 * happened to it. Created by the caller API, filled in by stages and the executor, read by the
 * usage accounting at the end. Confined to one event loop, so not thread-safe by design.
 */
public final class Call {
    private final String requestId;
    private final long startNanos;
    private final Endpoint endpoint;
    private final MultiMap headers;
    private Principal principal;
    private String model;
    private boolean stream;
    private final List<Attempt> attempts = new ArrayList<>(2);
    private Usage usage;
    private long firstByteNanos;

    public Call(String requestId, Endpoint endpoint, MultiMap headers, long startNanos) {
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.headers = headers;
        this.startNanos = startNanos;
    }

    /** One try at one target, recorded for logs and accounting. */
    public record Attempt(String provider, String upstreamModel, int status, String errorClass, long durationNanos) {}

    public String requestId() { return requestId; }

    public long startNanos() { return startNanos; }

    public Endpoint endpoint() { return endpoint; }

    public MultiMap headers() { return headers; }

    public Principal principal() { return principal; }

    public void principal(Principal principal) { this.principal = principal; }

    /** The public model name the caller asked for. */
    public String model() { return model; }

    public void model(String model) { this.model = model; }

    public boolean stream() { return stream; }

    public void stream(boolean stream) { this.stream = stream; }

    public List<Attempt> attempts() { return attempts; }

    public void addAttempt(Attempt attempt) { attempts.add(attempt); }

    public Usage usage() { return usage; }

    public void usage(Usage usage) { this.usage = usage; }

    public long firstByteNanos() { return firstByteNanos; }

    public void markFirstByte() {
        if (firstByteNanos == 0) {
            firstByteNanos = System.nanoTime();
        }
    }
}

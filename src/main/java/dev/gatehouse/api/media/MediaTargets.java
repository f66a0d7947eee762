package dev.gatehouse.api.media;

import dev.gatehouse.provider.ErrorClass;
import dev.gatehouse.provider.UpstreamError;
import dev.gatehouse.provider.UpstreamException;
import dev.gatehouse.provider.UpstreamRequest;
import dev.gatehouse.routing.Target;
import io.vertx.core.Future;

/** What the media caller formats share about targets. */
final class MediaTargets {
    private MediaTargets() {}

    /**
     * A target whose provider cannot serve this endpoint: the attempt fails as "not found there"
     * so that the plan moves on to the next target or fallback model, as for a model the provider lacks.
     */
    static Future<UpstreamRequest> unsupported(Target target, String operation) {
        return Future.failedFuture(new UpstreamException(UpstreamError.of(ErrorClass.NOT_FOUND,
                "provider '" + target.provider().name() + "' does not serve " + operation)));
    }

    /** The upstream's Content-Type, or {@code fallback} when it sent none. */
    static String contentType(io.vertx.core.MultiMap headers, String fallback) {
        String type = headers == null ? null : headers.get("content-type");
        return type == null || type.isBlank() ? fallback : type;
    }
}

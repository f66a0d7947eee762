package dev.gatehouse.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * An HTTP request ready to send upstream: absolute URL, headers (auth included) and body.
 *
 * @param upload set instead of {@code body} for a body streamed from elsewhere (a spooled upload); null otherwise
 */
public record UpstreamRequest(String url, MultiMap headers, Buffer body, boolean stream, Upload upload) {
    public UpstreamRequest(String url, MultiMap headers, Buffer body, boolean stream) {
        this(url, headers, body, stream, null);
    }
}

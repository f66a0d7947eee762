package dev.gatehouse.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** An HTTP request ready to send upstream: absolute URL, headers (auth included) and body. */
public record UpstreamRequest(String url, MultiMap headers, Buffer body, boolean stream) {}

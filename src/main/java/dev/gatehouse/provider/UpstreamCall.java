package dev.gatehouse.provider;

import io.vertx.core.Future;

/** A call in flight: its response head when it arrives, and a way to abandon it. */
public interface UpstreamCall {
    Future<UpstreamResponse> response();

    /** Abandons the call (closes the upstream stream or connection). Safe to call twice. */
    void cancel();
}

package dev.gatehouse.call;

/**
 * The tracing side of one call, opaque to the request path: the executor only asks it for the
 * W3C {@code traceparent} to send with each upstream attempt.
 */
public interface CallTrace {
    /**
     * An attempt at {@code provider}/{@code upstreamModel} is about to be sent.
     *
     * @return the {@code traceparent} header value identifying the attempt's span
     */
    String attemptStarted(String provider, String upstreamModel);
}

package dev.gatehouse.provider;

/** Carries an {@link UpstreamError} through futures. No stack trace: it is an expected outcome. */
public final class UpstreamException extends RuntimeException {
    private final UpstreamError error;

    public UpstreamException(UpstreamError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public UpstreamError error() {
        return error;
    }
}

package dev.gatehouse.archfixture.api;

/** A caller-facing endpoint, which dialects must not use. */
public final class FixtureEndpoint {
    public static String route() {
        return "/v1/x";
    }
}

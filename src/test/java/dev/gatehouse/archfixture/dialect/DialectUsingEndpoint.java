package dev.gatehouse.archfixture.dialect;

/** Breaks "dialects use no endpoint or executor" (and the layers): an inline qualified name is enough. */
public final class DialectUsingEndpoint {
    public static String encode() {
        dev.gatehouse.archfixture.gateway.FixtureExecutor.dispatch();
        return dev.gatehouse.archfixture.api.FixtureEndpoint.route();
    }
}

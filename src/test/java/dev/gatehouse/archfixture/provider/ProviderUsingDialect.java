package dev.gatehouse.archfixture.provider;

import dev.gatehouse.archfixture.dialect.DialectUsingEndpoint;

/** Breaks "provider uses no dialect or routing". */
public final class ProviderUsingDialect {
    public static String send() {
        return DialectUsingEndpoint.encode();
    }
}

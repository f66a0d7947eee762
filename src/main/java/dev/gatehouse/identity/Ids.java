package dev.gatehouse.identity;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Opaque ids such as {@code team_3f9c0a1b2c3d4e5f}: unguessable, so ids leak nothing about counts. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String next(String prefix) {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return prefix + "_" + HexFormat.of().formatHex(bytes);
    }
}

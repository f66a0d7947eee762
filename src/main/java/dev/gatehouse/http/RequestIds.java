package dev.gatehouse.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the caller's own {@code x-request-id} when it is a sane token (so ids correlate
 * across systems), else a fresh random one. Not a secret, so a fast non-cryptographic source is right.
 */
public final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {}

    public static String fromCallerOrNew(String callerId) {
        return isAcceptable(callerId) ? callerId : generate();
    }

    static boolean isAcceptable(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long a = random.nextLong();
        long b = random.nextLong();
        char[] out = new char[4 + 32];
        out[0] = 'r'; out[1] = 'e'; out[2] = 'q'; out[3] = '_';
        for (int i = 0; i < 16; i++) {
            out[4 + i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
            out[20 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}

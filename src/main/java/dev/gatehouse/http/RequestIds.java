package dev.gatehouse.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the caller's own {@code x-request-id} when it is a sane token (so ids correlate
 * across systems), else a fresh one. Not a secret, so a fast non-cryptographic source is right.
 *
 * <p>Generated ids are time-ordered ({@code req_} + 12 hex digits of epoch milliseconds + 20
 * random hex digits): the request log's primary key then grows at its right edge instead of
 * touching a random index page per row, which made each batch commit rewrite a page per request.
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
        return generate(System.currentTimeMillis());
    }

    static String generate(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long a = random.nextLong();
        long b = random.nextLong();
        char[] out = new char[4 + 32];
        out[0] = 'r'; out[1] = 'e'; out[2] = 'q'; out[3] = '_';
        for (int i = 0; i < 12; i++) { // 48 bits of milliseconds: good until the year 10889
            out[4 + i] = HEX[(int) (epochMillis >>> (44 - 4 * i)) & 0xf];
        }
        for (int i = 0; i < 16; i++) {
            out[16 + i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
        }
        for (int i = 0; i < 4; i++) {
            out[32 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }
}

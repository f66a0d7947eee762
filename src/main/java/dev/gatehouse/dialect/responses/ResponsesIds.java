package dev.gatehouse.dialect.responses;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Ids the gateway gives responses and their items, in OpenAI's shapes ({@code resp_...},
 * {@code msg_...}, {@code fc_...}, {@code rs_...}). A response id is the key of a stored
 * response, so it is random (24 bytes) and never guessable from another.
 */
public final class ResponsesIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ResponsesIds() {}

    public static String response() {
        return "resp_" + random(24);
    }

    public static String message() {
        return "msg_" + random(16);
    }

    public static String functionCall() {
        return "fc_" + random(16);
    }

    public static String reasoning() {
        return "rs_" + random(16);
    }

    /** The id of an input item the caller sent without one (listed by input_items). */
    public static String inputItem() {
        return "item_" + random(16);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }
}

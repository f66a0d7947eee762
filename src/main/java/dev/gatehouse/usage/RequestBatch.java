package dev.gatehouse.usage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Request-log records written together under one id. The store records the id in the same
 * transaction as the rows and rollups, and a batch the database may or may not have taken goes to
 * the spool with its id, so replaying it adds nothing twice even for calls that keep no raw row.
 *
 * @param id derived from the records' request ids: the same records in the same order give the same id
 * @param ts when the batch was made (milliseconds since the epoch); batch ids are kept as long as raw rows
 */
public record RequestBatch(String id, long ts, List<RequestRecord> records) {

    public RequestBatch {
        records = List.copyOf(records);
    }

    public static RequestBatch of(List<RequestRecord> records) {
        return new RequestBatch(idOf(records), System.currentTimeMillis(), records);
    }

    static String idOf(List<RequestRecord> records) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (RequestRecord r : records) {
                sha.update(r.requestId().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

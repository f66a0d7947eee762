package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash of an audit entry. The canonical form is a JSON array of every field in a fixed order
 * (nulls as null), ending with the previous entry's hash, so changing any field, the order of
 * entries, or removing one breaks every later link. before/after are hashed as their stored text.
 */
public final class AuditChain {
    /** prev_hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);
    private static final String FORMAT = "gatehouse-audit-v1";
    private static final JsonFactory JSON = new JsonFactory();

    private AuditChain() {}

    public static byte[] canonical(long seq, long at, String actorId, String actorKind, String clientAddress,
            String requestId, String action, String targetType, String targetId, String before, String after,
            String prevHash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            g.writeString(FORMAT);
            g.writeNumber(seq);
            g.writeNumber(at);
            for (String s : new String[] {actorId, actorKind, clientAddress, requestId, action, targetType, targetId,
                    before, after, prevHash}) {
                if (s == null) {
                    g.writeNull();
                } else {
                    g.writeString(s);
                }
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String hash(long seq, long at, String actorId, String actorKind, String clientAddress,
            String requestId, String action, String targetType, String targetId, String before, String after,
            String prevHash) {
        return sha256(canonical(seq, at, actorId, actorKind, clientAddress, requestId, action, targetType, targetId,
                before, after, prevHash));
    }

    /** The hash this entry should carry, recomputed from its fields. */
    public static String hashOf(AuditEntry e) {
        return hash(e.seq(), e.at(), e.actorId(), e.actorKind(), e.clientAddress(), e.requestId(), e.action(),
                e.targetType(), e.targetId(), e.before(), e.after(), e.prevHash());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

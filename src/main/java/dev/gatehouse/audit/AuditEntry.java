package dev.gatehouse.audit;

/**
 * One admin change as stored in the chain. {@code before}/{@code after} are JSON text (secrets
 * masked, keys sorted) exactly as hashed, or null.
 *
 * @param seq position in the chain, 1, 2, 3, … without gaps
 * @param at epoch milliseconds
 * @param actorId the principal's id (never a key)
 * @param actorKind how it authenticated: master-key, virtual-key, jwt
 * @param prevHash the previous entry's hash (64 zeros for the first)
 * @param hash SHA-256 (hex) of {@link AuditChain#canonical} of this entry
 */
public record AuditEntry(
        long seq,
        long at,
        String actorId,
        String actorKind,
        String clientAddress,
        String requestId,
        String action,
        String targetType,
        String targetId,
        String before,
        String after,
        String prevHash,
        String hash) {}

package dev.gatehouse.audit;

/**
 * The outcome of walking the chain.
 *
 * @param entries how many entries were checked (all of them when intact)
 * @param brokenSeq the first entry that does not verify, or null when intact
 * @param reason why it does not verify, or null when intact
 * @param headHash the last entry's hash when intact (record it elsewhere to detect a truncated tail later)
 */
public record VerifyResult(boolean intact, long entries, Long brokenSeq, String reason, String headHash) {
    public String message() {
        return intact
                ? "audit chain intact: " + entries + " entries" + (headHash == null ? "" : " (head " + headHash + ")")
                : "audit chain BROKEN at seq " + brokenSeq + ": " + reason;
    }
}

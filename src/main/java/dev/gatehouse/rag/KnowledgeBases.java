package dev.gatehouse.rag;

/**
 * Which knowledge base serves an owner: the gateway's own (files on disk or in PostgreSQL), or, for
 * zero-data-retention traffic, the ephemeral one (memory only), when it is configured. The two never
 * see each other's files or stores: an ephemeral owner is a different owner.
 */
public final class KnowledgeBases {
    /** The prefix of the owner of zero-data-retention callers' files and stores. */
    public static final String EPHEMERAL = "ephemeral:";

    private final KnowledgeBase persistent;
    private final KnowledgeBase ephemeral;

    /** @param ephemeral null: zero-data-retention traffic gets no knowledge base */
    public KnowledgeBases(KnowledgeBase persistent, KnowledgeBase ephemeral) {
        this.persistent = persistent;
        this.ephemeral = ephemeral;
    }

    /** The knowledge base of {@code owner} (an ephemeral owner only when {@link #ephemeralEnabled()}). */
    public KnowledgeBase of(String owner) {
        if (owner.startsWith(EPHEMERAL)) {
            if (ephemeral == null) {
                throw new IllegalStateException("no ephemeral knowledge base configured");
            }
            return ephemeral;
        }
        return persistent;
    }

    public boolean ephemeralEnabled() {
        return ephemeral != null;
    }

    public KnowledgeBase persistent() {
        return persistent;
    }

    /** Null when not configured. */
    public KnowledgeBase ephemeral() {
        return ephemeral;
    }
}

package dev.gatehouse.rag;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of the files of ephemeral knowledge bases (zero-data-retention traffic): in memory
 * only, never on disk, gone when the gateway stops. The total is bounded, so callers cannot fill
 * the heap.
 */
public final class MemoryBlobs {
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final long maxBytes;

    public MemoryBlobs(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Keeps a file's bytes; false (nothing kept) when they would take the total past the limit. */
    public boolean put(String id, byte[] bytes) {
        if (total.addAndGet(bytes.length) > maxBytes) {
            total.addAndGet(-bytes.length);
            return false;
        }
        byte[] before = files.put(id, bytes);
        if (before != null) {
            total.addAndGet(-before.length);
        }
        return true;
    }

    /** The bytes, or null when there is no such file (deleted). */
    public byte[] get(String id) {
        return files.get(id);
    }

    public void delete(String id) {
        byte[] gone = files.remove(id);
        if (gone != null) {
            total.addAndGet(-gone.length);
        }
    }

    /** Bytes held now. */
    public long total() {
        return total.get();
    }
}

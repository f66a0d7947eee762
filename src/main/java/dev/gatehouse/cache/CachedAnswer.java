package dev.gatehouse.cache;

import dev.gatehouse.canonical.Usage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A stored answer, exactly as the caller received it: one body, or a stream's chunks with their
 * original framing (SSE events as they were written), replayed chunk for chunk.
 *
 * @param stream whether {@code chunks} are a stream's writes (else one JSON body)
 * @param storedAtMillis when it was stored: {@code Cache-Control: max-age} compares against it
 * @param provider the provider that answered
 * @param upstreamModel the model that answered: a hit's saved cost is priced on it
 * @param usage what the answer cost when it was made (null when the provider reported none)
 */
public record CachedAnswer(boolean stream, List<byte[]> chunks, long storedAtMillis, String provider, String upstreamModel,
        Usage usage) {
    private static final int FORMAT = 1;

    public CachedAnswer {
        chunks = List.copyOf(chunks);
    }

    /** Bytes held: what the memory store weighs. */
    public int weight() {
        int n = 64 + (provider == null ? 0 : provider.length()) + (upstreamModel == null ? 0 : upstreamModel.length());
        for (byte[] chunk : chunks) {
            n += chunk.length + 16;
        }
        return n;
    }

    /** A compact binary form for a shared store. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(weight());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeBoolean(stream);
            out.writeLong(storedAtMillis);
            out.writeUTF(provider == null ? "" : provider);
            out.writeUTF(upstreamModel == null ? "" : upstreamModel);
            out.writeBoolean(usage != null);
            if (usage != null) {
                out.writeLong(usage.inputTokens());
                out.writeLong(usage.outputTokens());
                out.writeLong(usage.cachedInputTokens());
                out.writeLong(usage.cacheWriteTokens());
                out.writeLong(usage.reasoningTokens());
            }
            out.writeInt(chunks.size());
            for (byte[] chunk : chunks) {
                out.writeInt(chunk.length);
                out.write(chunk);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The answer {@link #encode} wrote; null when the bytes are not one (another version, corrupt). */
    public static CachedAnswer decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != FORMAT) {
                return null;
            }
            boolean stream = in.readBoolean();
            long storedAt = in.readLong();
            String provider = in.readUTF();
            String model = in.readUTF();
            Usage usage = in.readBoolean()
                    ? new Usage(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong()) : null;
            int count = in.readInt();
            if (count < 0 || count > bytes.length) {
                return null;
            }
            List<byte[]> chunks = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int length = in.readInt();
                if (length < 0 || length > bytes.length) {
                    return null;
                }
                chunks.add(in.readNBytes(length));
            }
            return new CachedAnswer(stream, chunks, storedAt, provider, model, usage);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

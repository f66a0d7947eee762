package dev.gatehouse.api.rag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.dialect.openai.OpenAiJson;
import dev.gatehouse.rag.RagStore;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The OpenAI objects of files, vector stores, their files and batches, as the API answers them. */
final class RagJson {
    private RagJson() {}

    static ObjectNode file(RagStore.FileRow f) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("id", f.id()).put("object", "file").put("bytes", f.bytes()).put("created_at", f.createdAt())
                .put("filename", f.filename()).put("purpose", f.purpose()).put("status", "processed");
        o.putNull("expires_at");
        o.putNull("status_details");
        return o;
    }

    static ObjectNode store(RagStore.StoreRow s, RagStore.Counts counts, long now) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("id", s.id()).put("object", "vector_store").put("created_at", s.createdAt()).put("name", s.name())
                .put("usage_bytes", counts.usageBytes());
        o.set("file_counts", counts(counts));
        o.put("status", s.expired(now) ? "expired" : counts.inProgress() > 0 ? "in_progress" : "completed");
        if (s.expiresDays() == null) {
            o.putNull("expires_after");
        } else {
            o.putObject("expires_after").put("anchor", "last_active_at").put("days", s.expiresDays());
        }
        if (s.expiresAt() == null) {
            o.putNull("expires_at");
        } else {
            o.put("expires_at", s.expiresAt());
        }
        o.put("last_active_at", s.lastActiveAt());
        o.set("metadata", tree(s.metadataJson()));
        return o;
    }

    static ObjectNode counts(RagStore.Counts c) {
        return OpenAiJson.MAPPER.createObjectNode().put("in_progress", c.inProgress()).put("completed", c.completed())
                .put("failed", c.failed()).put("cancelled", c.cancelled()).put("total", c.total());
    }

    static ObjectNode storeFile(RagStore.StoreFileRow f) {
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("id", f.fileId()).put("object", "vector_store.file").put("usage_bytes", f.usageBytes()).put("created_at", f.createdAt())
                .put("vector_store_id", f.storeId()).put("status", f.status());
        o.set("last_error", f.lastErrorJson() == null ? OpenAiJson.MAPPER.nullNode() : tree(f.lastErrorJson()));
        o.set("chunking_strategy", tree(f.chunkingJson()));
        o.set("attributes", tree(f.attributesJson()));
        return o;
    }

    /** A batch's status follows its files: in progress while any is; else cancelled, failed (none completed) or completed. */
    static ObjectNode batch(String id, String storeId, long createdAt, RagStore.Counts c) {
        String status = c.inProgress() > 0 ? "in_progress" : c.cancelled() > 0 ? "cancelled"
                : c.failed() > 0 && c.completed() == 0 ? "failed" : "completed";
        ObjectNode o = OpenAiJson.MAPPER.createObjectNode();
        o.put("id", id).put("object", "vector_store.files_batch").put("created_at", createdAt).put("vector_store_id", storeId)
                .put("status", status);
        o.set("file_counts", counts(c));
        return o;
    }

    static JsonNode tree(String json) {
        try {
            return OpenAiJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.canonical.EmbeddingResponse;
import dev.gatehouse.canonical.Usage;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** Canonical embeddings to OpenAI's list object; "base64" packs each vector as little-endian float32. */
public final class OpenAiEmbeddingsEncoder {
    private OpenAiEmbeddingsEncoder() {}

    public static Buffer encode(EmbeddingResponse response, String encodingFormat) {
        boolean base64 = "base64".equals(encodingFormat);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < response.vectors().size(); i++) {
                float[] v = response.vectors().get(i);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (base64) {
                    g.writeString(toBase64(v));
                } else {
                    g.writeStartArray();
                    for (float f : v) {
                        g.writeNumber(f);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", response.model());
            Usage usage = response.usage() == null ? Usage.ZERO : response.usage();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", usage.inputTokens());
            g.writeNumberField("total_tokens", usage.totalTokens());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    public static String toBase64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    public static float[] fromBase64(String text) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(text)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }
}

package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Errors in OpenAI's shape: {@code {"error":{"message","type","param","code"}}}, absent param/code as null. */
public final class OpenAiErrors {
    private OpenAiErrors() {}

    public static Buffer body(String message, String type, String param, String code) {
        return Buffer.buffer(bytes(message, type, param, code));
    }

    public static Buffer body(GatewayException e) {
        return body(e.getMessage(), e.type().openAiType(), e.param(), e.code());
    }

    /** The same object as an in-band SSE event, for errors after a stream has started. */
    public static Buffer sseEvent(GatewayException e) {
        byte[] json = bytes(e.getMessage(), e.type().openAiType(), e.param(), e.code());
        Buffer out = Buffer.buffer(json.length + 8);
        out.appendString("data: ").appendBytes(json).appendString("\n\n");
        return out;
    }

    static byte[] bytes(String message, String type, String param, String code) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = OpenAiJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message == null ? "" : message);
            g.writeStringField("type", type);
            g.writeStringField("param", param);
            g.writeStringField("code", code);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

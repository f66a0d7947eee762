package dev.gatehouse.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The attempts of a request as the JSON array stored in {@code request_log.attempts}:
 * {@code [{"provider":"openai","model":"gpt-4o","status":200,"error_class":null,"duration_ms":412}]}.
 * Streamed with Jackson's core parser and generator (no tree), since the writer thread encodes one
 * per request.
 */
final class AttemptsJson {
    private static final JsonFactory JSON = new JsonFactory();

    private AttemptsJson() {}

    static String write(List<RequestRecord.Attempt> attempts) {
        StringWriter out = new StringWriter(64 + 96 * attempts.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (RequestRecord.Attempt a : attempts) {
                g.writeStartObject();
                g.writeStringField("provider", a.provider());
                g.writeStringField("model", a.model());
                g.writeNumberField("status", a.status());
                g.writeStringField("error_class", a.errorClass());
                g.writeNumberField("duration_ms", a.durationMs());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The attempts, or an empty list for a value this code did not write (never fails a listing). */
    static List<RequestRecord.Attempt> read(String json) {
        List<RequestRecord.Attempt> attempts = new ArrayList<>(2);
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return List.of();
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String provider = null, model = null, errorClass = null;
                int status = 0;
                long duration = 0;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "provider" -> provider = p.getValueAsString();
                        case "model" -> model = p.getValueAsString();
                        case "status" -> status = p.getValueAsInt();
                        case "error_class" -> errorClass = value == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                        case "duration_ms" -> duration = p.getValueAsLong();
                        default -> p.skipChildren();
                    }
                }
                attempts.add(new RequestRecord.Attempt(provider, model, status, errorClass, duration));
            }
        } catch (IOException e) {
            return List.of();
        }
        return attempts;
    }
}

package dev.gatehouse.guardrails;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The text a person or a tool wrote, inside a request body of any caller format: every string
 * under {@code messages}, {@code system}, {@code input} or {@code prompt}, which covers prompts,
 * system prompts, tool results, tool-call arguments (OpenAI's {@code arguments}, Anthropic's
 * {@code tool_use.input}) and embeddings input. Structural strings (roles, types, ids, tool names)
 * and binary payloads (image data and URLs, signatures) are left out: they are not prose, and
 * base64 would look like a random token. One streaming pass, no tree; rewriting copies every
 * other token exactly as it came (numbers included).
 */
final class JsonTexts {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Set<String> CONTENT = Set.of("messages", "system", "input", "prompt", "instructions");
    private static final Set<String> STRUCTURAL = Set.of("role", "type", "id", "tool_call_id", "tool_use_id", "call_id", "name",
            "model", "media_type", "url", "data", "detail", "signature", "format", "file_id", "cache_control",
            "encoding_format", "image_url", "status", "refusal_id");

    private JsonTexts() {}

    /** The texts of {@code body}, in document order. */
    static List<String> of(Buffer body) {
        List<String> texts = new ArrayList<>();
        walk(body, null, i -> null, texts);
        return texts;
    }

    /** {@code body} with text number {@code i} (in {@link #of} order) replaced by {@code replacement.apply(i)} where not null. */
    static Buffer rewrite(Buffer body, IntFunction<String> replacement) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length() + 64);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            walk(body, g, replacement, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static void walk(Buffer body, JsonGenerator g, IntFunction<String> replacement, List<String> texts) {
        byte[] bytes = body.getBytes();
        try (JsonParser p = FACTORY.createParser(bytes)) {
            // contentDepth: the depth at which a content subtree began (-1 outside one)
            int depth = 0;
            int contentDepth = -1;
            int index = 0;
            String field = null;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case FIELD_NAME -> {
                        field = p.currentName();
                        if (depth == 1 && contentDepth < 0 && CONTENT.contains(field)) {
                            contentDepth = depth;
                        }
                    }
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> {
                        depth--;
                        if (depth == contentDepth) {
                            contentDepth = -1;
                        }
                    }
                    default -> { }
                }
                boolean text = t == JsonToken.VALUE_STRING && contentDepth >= 0
                        && (p.getParsingContext().inArray() || field == null || !STRUCTURAL.contains(p.currentName()));
                if (t == JsonToken.VALUE_STRING && contentDepth >= 0 && depth == 1) {
                    contentDepth = -1; // a top-level string value ("system": "...", "input": "...")
                }
                if (text) {
                    int i = index++;
                    if (texts != null) {
                        texts.add(p.getText());
                    }
                    if (g != null) {
                        String r = replacement.apply(i);
                        if (r != null) {
                            g.writeString(r);
                            continue;
                        }
                    }
                }
                if (g != null) {
                    g.copyCurrentEventExact(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

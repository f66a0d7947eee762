package dev.gatehouse.dialect.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.dialect.anthropic.AnthropicFormat;
import dev.gatehouse.dialect.openai.OpenAiJson;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** Reads only the top-level {@code usage} of an Anthropic message, skipping the content unparsed. */
public final class AnthropicUsage {
    private AnthropicUsage() {}

    public static Usage read(Buffer body) {
        try (JsonParser p = OpenAiJson.parser(OpenAiJson.bytes(body))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    JsonNode usage = OpenAiJson.MAPPER.readTree(p);
                    return AnthropicFormat.usage(usage);
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** What accounting reads from the answers of OpenAI's media endpoints, without decoding the media itself. */
public final class OpenAiMediaAnswer {
    /** Transcripts larger than this are not parsed for their duration (the request's estimate stands). */
    private static final int MAX_PARSED_TRANSCRIPT = 1 << 20;

    private OpenAiMediaAnswer() {}

    /**
     * How many images an images answer holds ({@code data}'s length), streaming over the base64
     * without building it; -1 when the body is not such an answer.
     */
    public static int images(Buffer body) {
        try (JsonParser p = OpenAiJson.FACTORY.createParser(body.getBytes())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("data".equals(name) && value == JsonToken.START_ARRAY) {
                    int n = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        n++;
                    }
                    return n;
                }
                p.skipChildren();
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The seconds of audio a transcription answer says it transcribed: {@code duration}
     * (verbose_json) or {@code usage.seconds} (a duration-billed model's json); null when it says
     * nothing (text, srt, vtt, or plain json).
     */
    public static Long transcribedSeconds(Buffer body) {
        if (body.length() == 0 || body.length() > MAX_PARSED_TRANSCRIPT || body.getByte(0) != '{') {
            return null;
        }
        try {
            JsonNode answer = OpenAiMediaRequest.MAPPER.readTree(body.getBytes());
            if (answer.path("duration").isNumber()) {
                return (long) Math.ceil(answer.path("duration").asDouble());
            }
            JsonNode usage = answer.path("usage");
            if ("duration".equals(usage.path("type").asText()) && usage.path("seconds").isNumber()) {
                return (long) Math.ceil(usage.path("seconds").asDouble());
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}

package dev.gatehouse.dialect.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.MediaUnits;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;

/**
 * A JSON request to one of OpenAI's media endpoints ({@code images/generations},
 * {@code audio/speech}, {@code moderations}), checked as OpenAI's API reference describes it and
 * kept as a tree so the model can be replaced for each target. Media bodies are small (a prompt,
 * a text to speak or to screen) and bounded by {@code server.max-body-size}.
 *
 * @param units what the request will be billed by (null for moderation, which is free)
 * @param stream whether the caller asked for a stream (image partials, speech as server-sent events)
 */
public record OpenAiMediaRequest(ObjectNode body, String model, MediaUnits units, boolean stream, String responseFormat) {
    static final ObjectMapper MAPPER = new ObjectMapper(OpenAiJson.FACTORY);

    /** The model moderation requests default to when they name none, as OpenAI's API does. */
    public static final String DEFAULT_MODERATION_MODEL = "omni-moderation-latest";
    /** OpenAI's limit on the text one speech request may speak. */
    public static final int MAX_SPEECH_CHARACTERS = 4096;
    static final Set<String> SPEECH_FORMATS = Set.of("mp3", "opus", "aac", "flac", "wav", "pcm");
    static final Set<String> IMAGE_FORMATS = Set.of("url", "b64_json");

    /** This request with {@code model} in place of the caller's, as bytes to send upstream. */
    public Buffer withModel(String upstreamModel) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", upstreamModel);
        return Buffer.buffer(copy.toString());
    }

    /** {@code POST /v1/images/generations}. */
    public static OpenAiMediaRequest imageGeneration(Buffer bytes) {
        ObjectNode body = object(bytes);
        String model = requiredString(body, "model");
        requiredText(body, "prompt");
        int n = intIn(body, "n", 1, 10, 1);
        String format = oneOf(body, "response_format", IMAGE_FORMATS);
        String size = optionalString(body, "size");
        String quality = optionalString(body, "quality");
        boolean stream = bool(body, "stream");
        return new OpenAiMediaRequest(body, model, new MediaUnits(MediaUnits.Unit.IMAGE, n, imageVariant(size, quality)), stream, format);
    }

    /** {@code POST /v1/audio/speech}: billed by the characters of {@code input}. */
    public static OpenAiMediaRequest speech(Buffer bytes) {
        ObjectNode body = object(bytes);
        String model = requiredString(body, "model");
        String input = requiredText(body, "input");
        long characters = input.codePointCount(0, input.length());
        if (characters > MAX_SPEECH_CHARACTERS) {
            throw GatewayException.invalid("'input' is " + characters + " characters long; the maximum is "
                    + MAX_SPEECH_CHARACTERS + ".", "input");
        }
        JsonNode voice = body.get("voice");
        if (voice == null || voice.isNull() || !(voice.isTextual() && !voice.asText().isBlank() || voice.isObject())) {
            throw GatewayException.invalid("'voice' is required: a voice name such as 'alloy', or {\"id\": ...}.", "voice");
        }
        String format = oneOf(body, "response_format", SPEECH_FORMATS);
        JsonNode speed = body.get("speed");
        if (speed != null && !speed.isNull() && (!speed.isNumber() || speed.asDouble() < 0.25 || speed.asDouble() > 4.0)) {
            throw GatewayException.invalid("'speed' must be a number from 0.25 to 4.0.", "speed");
        }
        String streamFormat = oneOf(body, "stream_format", Set.of("sse", "audio"));
        return new OpenAiMediaRequest(body, model, new MediaUnits(MediaUnits.Unit.CHARACTER, characters, null),
                true, "sse".equals(streamFormat) ? "sse" : format == null ? "mp3" : format);
    }

    /** {@code POST /v1/moderations}: {@code input} a string, an array of strings or of text and image parts. */
    public static OpenAiMediaRequest moderation(Buffer bytes) {
        ObjectNode body = object(bytes);
        String model = optionalString(body, "model");
        if (model == null) {
            model = DEFAULT_MODERATION_MODEL;
            body.put("model", model);
        }
        JsonNode input = body.get("input");
        boolean valid = input != null && (input.isTextual() || input.isArray() && !input.isEmpty());
        if (valid && input.isArray()) {
            for (JsonNode item : input) {
                valid &= item.isTextual() || item.isObject() && item.path("type").isTextual();
            }
        }
        if (!valid) {
            throw GatewayException.invalid("'input' is required: a string, an array of strings, or an array of "
                    + "{\"type\": \"text\" | \"image_url\", ...} objects.", "input");
        }
        return new OpenAiMediaRequest(body, model, null, false, null);
    }

    /** The catalogue's key of an image's price: {@code size/quality}, or the size alone when no quality is asked for. */
    public static String imageVariant(String size, String quality) {
        String s = size == null || size.equals("auto") ? "1024x1024" : size;
        return quality == null || quality.equals("auto") ? s : s + "/" + quality;
    }

    // ---- reading the tree, with OpenAI's wording for what is wrong ----------------------------------

    static ObjectNode object(Buffer bytes) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes.getBytes());
        } catch (JsonProcessingException e) {
            throw GatewayException.invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    + "using your HTTP library correctly. The OpenAI API expects a JSON payload.)", null);
        } catch (java.io.IOException e) {
            throw GatewayException.invalid("The request body could not be read.", null);
        }
        if (!(node instanceof ObjectNode object)) {
            throw GatewayException.invalid("The request body must be a JSON object.", null);
        }
        return object;
    }

    static String requiredString(ObjectNode body, String field) {
        String value = optionalString(body, field);
        if (value == null || value.isBlank()) {
            throw GatewayException.invalid("you must provide a " + field + " parameter", field);
        }
        return value;
    }

    static String requiredText(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw GatewayException.invalid("Missing required parameter: '" + field + "'.", field);
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw GatewayException.invalid("Invalid '" + field + "': expected a non-empty string.", field);
        }
        return value.asText();
    }

    static String optionalString(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw GatewayException.invalid("Invalid type for '" + field + "': expected a string, but got " + kind(value) + ".", field);
        }
        return value.asText();
    }

    static String oneOf(ObjectNode body, String field, Set<String> allowed) {
        String value = optionalString(body, field);
        if (value != null && !allowed.contains(value)) {
            throw GatewayException.invalid("Invalid value for '" + field + "': '" + value + "'. Supported values are: "
                    + String.join(", ", List.copyOf(new java.util.TreeSet<>(allowed))) + ".", field);
        }
        return value;
    }

    static int intIn(ObjectNode body, String field, int min, int max, int fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw GatewayException.invalid("Invalid '" + field + "': expected an integer from " + min + " to " + max + ".", field);
        }
        return value.asInt();
    }

    static boolean bool(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw GatewayException.invalid("Invalid type for '" + field + "': expected a boolean, but got " + kind(value) + ".", field);
        }
        return value.asBoolean();
    }

    private static String kind(JsonNode value) {
        return value.isNumber() ? "a number" : value.isArray() ? "an array" : value.isObject() ? "an object"
                : value.isBoolean() ? "a boolean" : "a string";
    }
}

package dev.gatehouse.dialect.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mock's answers to OpenAI's media endpoints, deterministic functions of the request: a PNG
 * whose colour follows the prompt, a WAV tone as long as the text to speak (50 ms a character,
 * between half a second and ten), a transcript naming the file and its length, and a moderation
 * that flags a few plain words. Shapes as OpenAI's API reference gives them.
 */
final class MockMedia {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The moderation categories, in OpenAI's order. */
    static final List<String> CATEGORIES = List.of("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
            "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence",
            "violence/graphic");
    /** Words the mock flags, and the category each one flags. */
    private static final Map<String, String> FLAGGED = Map.of("kill", "violence", "hate", "hate", "hurt", "violence",
            "bomb", "illicit/violent", "steal", "illicit");

    /** A whole answer: its status, Content-Type and body. */
    record Answer(int status, String contentType, Buffer body) {}

    private MockMedia() {}

    static Answer images(Buffer request, String prompt, int n, String format, String size) {
        ObjectNode out = NODES.objectNode();
        out.put("created", System.currentTimeMillis() / 1000);
        ArrayNode data = out.putArray("data");
        int pixels = 32;
        for (int i = 0; i < n; i++) {
            String b64 = Base64.getEncoder().encodeToString(MediaSamples.png((long) prompt.hashCode() * 31 + i, pixels));
            ObjectNode image = data.addObject();
            if ("b64_json".equals(format)) {
                image.put("b64_json", b64);
            } else {
                image.put("url", "data:image/png;base64," + b64); // a real URL would outlive the demo
            }
            image.put("revised_prompt", prompt);
        }
        return json(out);
    }

    static Answer imagesFromJson(Buffer body) {
        JsonNode request = read(body);
        return images(body, request.path("prompt").asText(""), request.path("n").asInt(1), request.path("response_format").asText("url"),
                request.path("size").asText("1024x1024"));
    }

    static Answer speech(Buffer body) {
        JsonNode request = read(body);
        String input = request.path("input").asText("");
        long millis = Math.max(500, Math.min(10_000, input.length() * 50L));
        byte[] wav = MediaSamples.wav(input.hashCode(), millis);
        return new Answer(200, "audio/wav", Buffer.buffer(wav));
    }

    static Answer moderation(Buffer body) {
        JsonNode request = read(body);
        List<String> texts = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isTextual()) {
            texts.add(input.asText());
        } else {
            for (JsonNode item : input) {
                texts.add(item.isTextual() ? item.asText() : item.path("text").asText(""));
            }
        }
        ObjectNode out = NODES.objectNode();
        out.put("id", "modr-mock-" + Integer.toHexString(texts.hashCode()));
        out.put("model", request.path("model").asText());
        ArrayNode results = out.putArray("results");
        for (String text : texts) {
            String lower = text.toLowerCase(Locale.ROOT);
            ObjectNode result = results.addObject();
            ObjectNode categories = NODES.objectNode();
            ObjectNode scores = NODES.objectNode();
            ObjectNode types = NODES.objectNode();
            boolean flagged = false;
            for (String category : CATEGORIES) {
                boolean hit = FLAGGED.entrySet().stream().anyMatch(e -> e.getValue().equals(category) && lower.contains(e.getKey()));
                flagged |= hit;
                categories.put(category, hit);
                scores.put(category, hit ? 0.97 : 0.0001);
                types.putArray(category).add("text");
            }
            result.put("flagged", flagged);
            result.set("categories", categories);
            result.set("category_scores", scores);
            result.set("category_applied_input_types", types);
        }
        return json(out);
    }

    /**
     * A transcript (or translation) of the uploaded file in the asked format. The seconds are the
     * file's own for a WAV (from its header), else its size at 16 kB a second.
     */
    static Answer transcript(boolean translation, Map<String, String> fields, String filename, long bytes, byte[] head) {
        long seconds = seconds(bytes, head);
        String text = (translation ? "Mock translation of " : "Mock transcript of ") + filename + ": " + seconds + " seconds of audio.";
        String format = fields.getOrDefault("response_format", "json");
        String end = timestamp(seconds, format.equals("vtt") ? '.' : ',');
        return switch (format) {
            case "text" -> new Answer(200, "text/plain; charset=utf-8", Buffer.buffer(text + "\n"));
            case "srt" -> new Answer(200, "text/plain; charset=utf-8", Buffer.buffer("1\n00:00:00,000 --> " + end + "\n" + text + "\n\n"));
            case "vtt" -> new Answer(200, "text/vtt; charset=utf-8", Buffer.buffer("WEBVTT\n\n00:00:00.000 --> " + end + "\n" + text + "\n\n"));
            case "verbose_json" -> {
                ObjectNode out = NODES.objectNode();
                out.put("task", translation ? "translate" : "transcribe");
                out.put("language", translation ? "english" : fields.getOrDefault("language", "english"));
                out.put("duration", (double) seconds);
                out.put("text", text);
                ObjectNode segment = out.putArray("segments").addObject();
                segment.put("id", 0).put("seek", 0).put("start", 0.0).put("end", (double) seconds).put("text", text);
                segment.putArray("tokens").add(50364);
                segment.put("temperature", 0.0).put("avg_logprob", -0.25).put("compression_ratio", 1.2).put("no_speech_prob", 0.01);
                yield json(out);
            }
            default -> {
                ObjectNode out = NODES.objectNode();
                out.put("text", text);
                yield json(out);
            }
        };
    }

    static long seconds(long bytes, byte[] head) {
        if (head.length >= 44 && new String(head, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")) {
            long rate = (head[28] & 0xffL) | (head[29] & 0xffL) << 8 | (head[30] & 0xffL) << 16 | (head[31] & 0xffL) << 24;
            if (rate > 0) {
                return Math.max(1, Math.ceilDiv(Math.max(0, bytes - 44), rate));
            }
        }
        return Math.max(1, Math.ceilDiv(bytes, 16_000));
    }

    private static String timestamp(long seconds, char separator) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c000", seconds / 3600, seconds / 60 % 60, seconds % 60, separator);
    }

    /** A multipart body's parts as the mock reads them: text fields, and the first file's name, size and first bytes. */
    record Form(Map<String, String> fields, String filename, long fileBytes, byte[] fileHead) {}

    /**
     * Reads a multipart body of which only the start was kept ({@code prefix}) but whose total
     * length is known: the gateway writes text fields first and a single file last, so the
     * file's size is what lies between its part header and the closing boundary.
     */
    static Form form(String boundary, Buffer prefix, long total) {
        String delimiter = "--" + boundary;
        byte[] bytes = prefix.getBytes();
        String text = new String(bytes, StandardCharsets.ISO_8859_1); // byte-for-char, so offsets are byte offsets
        Map<String, String> fields = new LinkedHashMap<>();
        int at = text.indexOf(delimiter);
        while (at >= 0) {
            int headerStart = at + delimiter.length() + 2;
            int headerEnd = text.indexOf("\r\n\r\n", headerStart);
            if (headerEnd < 0) {
                break;
            }
            String header = text.substring(headerStart, headerEnd);
            String name = parameter(header, "name");
            String filename = parameter(header, "filename");
            int contentStart = headerEnd + 4;
            if (filename != null) {
                long closing = ("\r\n" + delimiter + "--\r\n").length();
                long size = total - contentStart - closing;
                byte[] head = java.util.Arrays.copyOfRange(bytes, contentStart, Math.min(bytes.length, contentStart + 64));
                return new Form(fields, filename, size, head);
            }
            int next = text.indexOf("\r\n" + delimiter, contentStart);
            if (next < 0) {
                break;
            }
            fields.put(name, new String(bytes, contentStart, next - contentStart, StandardCharsets.UTF_8));
            at = next + 2;
        }
        throw GatewayException.invalid("the mock found no file in the upload", "file");
    }

    private static String parameter(String header, String name) {
        String key = name + "=\"";
        int at = header.indexOf("; " + key);
        if (at < 0) {
            return null;
        }
        int start = at + 2 + key.length();
        return header.substring(start, header.indexOf('"', start));
    }

    private static Answer json(ObjectNode body) {
        return new Answer(200, "application/json", Buffer.buffer(body.toString()));
    }

    private static JsonNode read(Buffer body) {
        try {
            return JSON.readTree(body.getBytes());
        } catch (IOException e) {
            throw GatewayException.invalid("the mock could not read the request", null);
        }
    }
}

package dev.gatehouse.dialect.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.call.GatewayException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * OpenAI's image generation translated to Imagen on the Gemini API ({@code models/{model}:predict})
 * and back: the prompt becomes the one instance, {@code n} the {@code sampleCount} (Imagen makes
 * 1 to 4), the size the nearest {@code aspectRatio}; each prediction's {@code bytesBase64Encoded}
 * becomes a {@code b64_json} image, or a {@code data:} URL when the caller asked for URLs (Imagen
 * hosts nothing).
 */
public final class ImagenImages {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Imagen's aspect ratios, width over height. */
    private static final String[] RATIOS = {"1:1", "3:4", "4:3", "9:16", "16:9"};
    public static final int MAX_IMAGES = 4;

    private ImagenImages() {}

    /** The {@code :predict} body for an OpenAI request's prompt, image count and size ({@code WxH}, or null). */
    public static Buffer request(String prompt, int n, String size) {
        if (n > MAX_IMAGES) {
            throw GatewayException.invalid("Imagen makes at most " + MAX_IMAGES + " images per request; 'n' is " + n + ".", "n");
        }
        ObjectNode body = JSON.createObjectNode();
        body.putArray("instances").addObject().put("prompt", prompt);
        ObjectNode parameters = body.putObject("parameters");
        parameters.put("sampleCount", n);
        parameters.put("aspectRatio", aspectRatio(size));
        return Buffer.buffer(body.toString());
    }

    /** The Imagen aspect ratio nearest to an OpenAI size ({@code 1792x1024} → {@code 16:9}); square when none or {@code auto}. */
    static String aspectRatio(String size) {
        if (size == null || !size.matches("\\d{1,5}x\\d{1,5}")) {
            return "1:1";
        }
        String[] wh = size.split("x");
        double wanted = Double.parseDouble(wh[0]) / Math.max(1, Double.parseDouble(wh[1]));
        String best = RATIOS[0];
        double distance = Double.MAX_VALUE;
        for (String ratio : RATIOS) {
            String[] r = ratio.split(":");
            double d = Math.abs(Math.log(wanted / (Double.parseDouble(r[0]) / Double.parseDouble(r[1]))));
            if (d < distance) {
                distance = d;
                best = ratio;
            }
        }
        return best;
    }

    /** Imagen's answer in OpenAI's shape ({@code created}, {@code data}); {@code format} is {@code b64_json} or {@code url}. */
    public static Buffer answer(Buffer upstream, String format, long createdSeconds) {
        JsonNode predictions;
        try {
            predictions = JSON.readTree(upstream.getBytes()).path("predictions");
        } catch (IOException e) {
            throw new IllegalStateException("Imagen answered with invalid JSON");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("created", createdSeconds);
        ArrayNode data = out.putArray("data");
        for (JsonNode prediction : predictions) {
            String b64 = prediction.path("bytesBase64Encoded").asText(null);
            if (b64 == null) {
                continue; // filtered by Imagen's safety settings: fewer images, as OpenAI would return
            }
            if ("b64_json".equals(format)) {
                data.addObject().put("b64_json", b64);
            } else {
                data.addObject().put("url", "data:" + prediction.path("mimeType").asText("image/png") + ";base64," + b64);
            }
        }
        return Buffer.buffer(out.toString());
    }
}

package dev.gatehouse.dialect.openai;

import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.MediaUnits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@code multipart/form-data} request to one of OpenAI's upload endpoints (audio
 * transcriptions and translations, image edits and variations), checked as OpenAI's API
 * reference describes it: which fields and files are required, the formats it accepts, and what
 * the call will be billed by. The files themselves are not read here, only their first bytes.
 *
 * @param units images to make, or audio seconds (estimated from the file until the answer says)
 * @param responseFormat the answer format asked for (json, text, srt, vtt, verbose_json; url, b64_json)
 */
public record OpenAiUploadRequest(String model, MediaUnits units, boolean stream, String responseFormat) {

    /** One uploaded file as the form described it, with its first bytes (to recognise its format). */
    public record UploadedFile(String field, String filename, String contentType, long length, byte[] head) {}

    /** Audio formats OpenAI transcribes, by file extension (it decides by the name). */
    static final Set<String> AUDIO_EXTENSIONS = Set.of("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "wav", "webm");
    static final Set<String> TRANSCRIPT_FORMATS = Set.of("json", "text", "srt", "verbose_json", "vtt");
    /** Assumed bit rate of compressed audio when its length cannot be read from the file: 128 kbit/s. */
    static final long COMPRESSED_BYTES_PER_SECOND = 16_000;

    public static OpenAiUploadRequest read(Endpoint endpoint, Map<String, List<String>> fields, List<UploadedFile> files) {
        String model = field(fields, "model");
        if (model == null || model.isBlank()) {
            throw GatewayException.invalid("you must provide a model parameter", "model");
        }
        return switch (endpoint) {
            case AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS -> audio(endpoint, model, fields, files);
            case IMAGES_EDITS, IMAGES_VARIATIONS -> images(endpoint, model, fields, files);
            default -> throw new IllegalArgumentException(endpoint + " takes no upload");
        };
    }

    private static OpenAiUploadRequest audio(Endpoint endpoint, String model, Map<String, List<String>> fields, List<UploadedFile> files) {
        UploadedFile file = only(files, "file", true);
        String extension = extension(file.filename());
        if (!AUDIO_EXTENSIONS.contains(extension)) {
            throw GatewayException.invalid("Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', "
                    + "'mpga', 'oga', 'ogg', 'wav', 'webm']", "file");
        }
        if (file.length() == 0) {
            throw GatewayException.invalid("The audio file is empty.", "file");
        }
        String format = field(fields, "response_format");
        if (format != null && !TRANSCRIPT_FORMATS.contains(format)) {
            throw GatewayException.invalid("Invalid value for 'response_format': '" + format
                    + "'. Supported values are: json, srt, text, verbose_json, vtt.", "response_format");
        }
        String temperature = field(fields, "temperature");
        if (temperature != null) {
            try {
                double t = Double.parseDouble(temperature);
                if (t < 0 || t > 1) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw GatewayException.invalid("Invalid 'temperature': expected a number from 0 to 1.", "temperature");
            }
        }
        boolean stream = "true".equals(field(fields, "stream"));
        if (stream && endpoint == Endpoint.AUDIO_TRANSLATIONS) {
            throw GatewayException.invalid("Translations are not streamed: remove 'stream'.", "stream");
        }
        return new OpenAiUploadRequest(model, new MediaUnits(MediaUnits.Unit.AUDIO_SECOND, audioSeconds(file), null),
                stream, format == null ? "json" : format);
    }

    private static OpenAiUploadRequest images(Endpoint endpoint, String model, Map<String, List<String>> fields, List<UploadedFile> files) {
        List<UploadedFile> images = files.stream().filter(f -> f.field().equals("image") || f.field().equals("image[]")).toList();
        if (images.isEmpty()) {
            throw GatewayException.invalid("Missing required parameter: 'image'. Send the image as a file in the 'image' field.", "image");
        }
        if (endpoint == Endpoint.IMAGES_VARIATIONS && images.size() > 1) {
            throw GatewayException.invalid("A variation is made of one image; " + images.size() + " were sent.", "image");
        }
        for (UploadedFile image : images) {
            checkImage(image, "image");
        }
        UploadedFile mask = only(files, "mask", false);
        if (mask != null) {
            if (endpoint == Endpoint.IMAGES_VARIATIONS) {
                throw GatewayException.invalid("Variations take no 'mask'.", "mask");
            }
            checkImage(mask, "mask");
            if (!"png".equals(imageType(mask.head()))) {
                throw GatewayException.invalid("Invalid 'mask': the mask must be a PNG image.", "mask");
            }
        }
        for (UploadedFile file : files) {
            if (!file.field().equals("image") && !file.field().equals("image[]") && !file.field().equals("mask")) {
                throw GatewayException.invalid("Unexpected file in field '" + file.field() + "'.", file.field());
            }
        }
        if (endpoint == Endpoint.IMAGES_EDITS) {
            String prompt = field(fields, "prompt");
            if (prompt == null || prompt.isEmpty()) {
                throw GatewayException.invalid("Missing required parameter: 'prompt'.", "prompt");
            }
        }
        int n = 1;
        String count = field(fields, "n");
        if (count != null) {
            try {
                n = Integer.parseInt(count.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 10) {
                throw GatewayException.invalid("Invalid 'n': expected an integer from 1 to 10.", "n");
            }
        }
        String format = field(fields, "response_format");
        if (format != null && !OpenAiMediaRequest.IMAGE_FORMATS.contains(format)) {
            throw GatewayException.invalid("Invalid value for 'response_format': '" + format
                    + "'. Supported values are: b64_json, url.", "response_format");
        }
        String variant = OpenAiMediaRequest.imageVariant(field(fields, "size"), field(fields, "quality"));
        return new OpenAiUploadRequest(model, new MediaUnits(MediaUnits.Unit.IMAGE, n, variant),
                "true".equals(field(fields, "stream")), format);
    }

    private static void checkImage(UploadedFile image, String field) {
        if (image.length() == 0) {
            throw GatewayException.invalid("Invalid '" + field + "': the file is empty.", field);
        }
        if (imageType(image.head()) == null) {
            throw GatewayException.invalid("Invalid '" + field + "': unsupported image format"
                    + (image.contentType() == null ? "" : " (sent as " + image.contentType() + ")")
                    + ". Supported formats: png, jpeg, webp.", field);
        }
    }

    /** png, jpeg or webp by the file's magic bytes; null for anything else. */
    static String imageType(byte[] head) {
        if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "png";
        }
        if (head.length >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF) {
            return "jpeg";
        }
        if (head.length >= 12 && new String(head, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
                && new String(head, 8, 4, StandardCharsets.US_ASCII).equals("WEBP")) {
            return "webp";
        }
        return null;
    }

    /**
     * The audio's length in whole seconds: exact for a PCM WAV file (from its header's byte rate),
     * otherwise estimated from the size at {@link #COMPRESSED_BYTES_PER_SECOND}. The answer's own
     * figure replaces it when the upstream reports one (verbose_json's duration, usage.seconds).
     */
    public static long audioSeconds(UploadedFile file) {
        byte[] h = file.head();
        if (h.length >= 44 && new String(h, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
                && new String(h, 8, 4, StandardCharsets.US_ASCII).equals("WAVE")) {
            long byteRate = (h[28] & 0xffL) | (h[29] & 0xffL) << 8 | (h[30] & 0xffL) << 16 | (h[31] & 0xffL) << 24;
            if (byteRate > 0) {
                return Math.max(1, Math.ceilDiv(Math.max(0, file.length() - 44), byteRate));
            }
        }
        return Math.max(1, Math.ceilDiv(file.length(), COMPRESSED_BYTES_PER_SECOND));
    }

    private static UploadedFile only(List<UploadedFile> files, String field, boolean required) {
        List<UploadedFile> matching = files.stream().filter(f -> f.field().equals(field)).toList();
        if (matching.isEmpty()) {
            if (required) {
                throw GatewayException.invalid("Missing required parameter: '" + field + "'. Send the audio as a file in the '"
                        + field + "' field of a multipart/form-data request.", field);
            }
            return null;
        }
        if (matching.size() > 1) {
            throw GatewayException.invalid("Only one '" + field + "' file may be sent; " + matching.size() + " were.", field);
        }
        return matching.getFirst();
    }

    private static String field(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static String extension(String filename) {
        if (filename == null) {
            return "";
        }
        int dot = filename.lastIndexOf('.');
        return dot < 0 ? "" : filename.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}

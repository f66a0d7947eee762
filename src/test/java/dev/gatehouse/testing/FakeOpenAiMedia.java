package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.dialect.mock.MediaSamples;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of OpenAI's media endpoints (and Azure OpenAI's deployment paths for them), written from
 * OpenAI's API reference and as strict: {@code POST /v1/images/generations} (JSON: model, prompt,
 * n 1-10, response_format url|b64_json), {@code /v1/images/edits} and {@code /variations}
 * (multipart: a PNG/JPEG/WebP image, a PNG mask), {@code /v1/audio/transcriptions} and
 * {@code /translations} (multipart: a file with an audio extension, model, response_format
 * json|text|srt|vtt|verbose_json), {@code /v1/audio/speech} (JSON: model, input of at most 4,096
 * characters, voice; audio back in chunks) and {@code /v1/moderations} (JSON: input). Uploads are
 * read as a real server reads them: streamed, counted and hashed, never kept.
 *
 * <p>Every request is recorded (path, headers, JSON body or form fields, file sizes and SHA-256);
 * {@link #failNext} makes the next requests fail with a status before they are answered.
 */
public final class FakeOpenAiMedia implements AutoCloseable {
    public static final String KEY = "sk-fake-media-key";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AZURE = Pattern.compile("^/openai/deployments/([^/]+)/(.+)$");
    private static final Set<String> AUDIO = Set.of("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "wav", "webm");

    /** One received request: its operation, model, fields (form) or body (JSON), and its files' sizes and digests. */
    public record Received(String operation, String model, Map<String, String> fields, JsonNode json, List<ReceivedFile> files,
            String contentType) {}

    public record ReceivedFile(String field, String filename, long bytes, String sha256) {}

    private final Vertx vertx;
    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile int failureStatus = 500;

    private FakeOpenAiMedia(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    public static FakeOpenAiMedia start() {
        Vertx vertx = Vertx.vertx();
        FakeOpenAiMedia[] fake = new FakeOpenAiMedia[1];
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setMaxFormAttributeSize(65536));
        server.requestHandler(request -> fake[0].handle(request));
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException(e);
        }
        fake[0] = new FakeOpenAiMedia(vertx, server);
        return fake[0];
    }

    /** {@code http://127.0.0.1:PORT/v1} for OpenAI; the origin alone for Azure. */
    public String baseUrl() {
        return origin() + "/v1";
    }

    public String origin() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The next {@code count} requests fail with {@code status} and OpenAI's error body (after being read and recorded). */
    public FakeOpenAiMedia failNext(int count, int status) {
        failureStatus = status;
        failures.set(count);
        return this;
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        String operation;
        Matcher azure = AZURE.matcher(path);
        boolean authorized;
        if (azure.matches()) {
            operation = azure.group(2);
            authorized = KEY.equals(request.getHeader("api-key")) && request.getParam("api-version") != null;
        } else if (path.startsWith("/v1/")) {
            operation = path.substring(4);
            authorized = ("Bearer " + KEY).equals(request.getHeader("Authorization"));
        } else {
            request.response().setStatusCode(404).end();
            return;
        }
        if (!authorized) {
            request.resume();
            error(request.response(), 401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
            return;
        }
        String type = request.getHeader("content-type") == null ? "" : request.getHeader("content-type").toLowerCase(Locale.ROOT);
        switch (operation) {
            case "images/generations", "audio/speech", "moderations" -> {
                if (!type.startsWith("application/json")) {
                    request.resume();
                    error(request.response(), 400, "Unsupported content type: '" + type + "'.", "invalid_request_error", null, null);
                    return;
                }
                request.body().onSuccess(body -> json(request, operation, type, azure.matches() ? azure.group(1) : null, body));
            }
            case "images/edits", "images/variations", "audio/transcriptions", "audio/translations" -> {
                if (!type.startsWith("multipart/form-data")) {
                    request.resume();
                    error(request.response(), 400, "Invalid Content-Type header (" + type + "), expected multipart/form-data.",
                            "invalid_request_error", null, null);
                    return;
                }
                form(request, operation, type, azure.matches() ? azure.group(1) : null);
            }
            default -> {
                request.resume();
                error(request.response(), 404, "Invalid URL (POST " + path + ")", "invalid_request_error", null, null);
            }
        }
    }

    private void json(HttpServerRequest request, String operation, String type, String deployment, Buffer bytes) {
        HttpServerResponse response = request.response();
        JsonNode body;
        try {
            body = JSON.readTree(bytes.getBytes());
        } catch (Exception e) {
            error(response, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null, null);
            return;
        }
        String model = deployment != null ? deployment : body.path("model").asText(null);
        received.add(new Received(operation, body.path("model").asText(null), Map.of(), body, List.of(), type));
        if (failed(response)) {
            return;
        }
        switch (operation) {
            case "images/generations" -> {
                if (missing(response, body, "prompt") || deployment == null && missing(response, body, "model")) {
                    return;
                }
                int n = body.path("n").asInt(1);
                if (body.has("n") && (!body.path("n").isInt() || n < 1 || n > 10)) {
                    error(response, 400, "Invalid 'n': integer out of range.", "invalid_request_error", "n", "integer_out_of_range");
                    return;
                }
                String format = body.path("response_format").asText("url");
                if (!format.equals("url") && !format.equals("b64_json")) {
                    error(response, 400, "Invalid value for 'response_format'.", "invalid_request_error", "response_format", null);
                    return;
                }
                images(response, n, format, body.path("prompt").asText());
            }
            case "audio/speech" -> {
                if (deployment == null && missing(response, body, "model") || missing(response, body, "input")
                        || missing(response, body, "voice")) {
                    return;
                }
                if (body.path("input").asText().length() > 4096) {
                    error(response, 400, "string too long", "invalid_request_error", "input", "string_above_max_length");
                    return;
                }
                byte[] audio = MediaSamples.wav(body.path("input").asText().hashCode() + 1, 1500);
                response.setChunked(true).putHeader("content-type", "audio/wav");
                for (int i = 0; i < audio.length; i += 4096) {
                    response.write(Buffer.buffer(java.util.Arrays.copyOfRange(audio, i, Math.min(audio.length, i + 4096))));
                }
                response.end();
            }
            default -> { // moderations
                if (missing(response, body, "input")) {
                    return;
                }
                ObjectNode out = JSON.createObjectNode().put("id", "modr-fake").put("model", model == null ? "omni-moderation-latest" : model);
                ObjectNode result = out.putArray("results").addObject();
                result.put("flagged", body.path("input").toString().contains("fake-flag"));
                ObjectNode categories = result.putObject("categories");
                ObjectNode scores = result.putObject("category_scores");
                ObjectNode types = result.putObject("category_applied_input_types");
                for (String c : List.of("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
                        "self-harm", "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic")) {
                    categories.put(c, false);
                    scores.put(c, 0.0);
                    types.putArray(c).add("text");
                }
                response.putHeader("content-type", "application/json").end(out.toString());
            }
        }
    }

    private void form(HttpServerRequest request, String operation, String type, String deployment) {
        HttpServerResponse response = request.response();
        List<ReceivedFile> files = new CopyOnWriteArrayList<>();
        List<byte[]> heads = new ArrayList<>();
        request.setExpectMultipart(true);
        request.uploadHandler(upload -> {
            MessageDigest sha = sha256();
            long[] size = {0};
            byte[] head = new byte[16];
            upload.handler(chunk -> {
                if (size[0] < head.length) {
                    chunk.getBytes(0, (int) Math.min(chunk.length(), head.length - size[0]), head, (int) size[0]);
                }
                size[0] += chunk.length();
                sha.update(chunk.getBytes());
            });
            upload.endHandler(v -> {
                files.add(new ReceivedFile(upload.name(), upload.filename(), size[0], HexFormat.of().formatHex(sha.digest())));
                synchronized (heads) {
                    heads.add(head);
                }
            });
        });
        request.endHandler(v -> {
            Map<String, String> fields = new ConcurrentHashMap<>();
            request.formAttributes().forEach(e -> fields.put(e.getKey(), e.getValue()));
            received.add(new Received(operation, fields.get("model"), Map.copyOf(fields), null, List.copyOf(files), type));
            if (failed(response)) {
                return;
            }
            if (deployment == null && !fields.containsKey("model")) {
                error(response, 400, "you must provide a model parameter", "invalid_request_error", null, null);
                return;
            }
            if (operation.startsWith("audio/")) {
                ReceivedFile file = files.stream().filter(f -> f.field().equals("file")).findFirst().orElse(null);
                if (file == null) {
                    error(response, 400, "Missing required parameter: 'file'.", "invalid_request_error", "file", null);
                    return;
                }
                String name = file.filename() == null ? "" : file.filename();
                if (!AUDIO.contains(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT))) {
                    error(response, 400, "Invalid file format.", "invalid_request_error", "file", null);
                    return;
                }
                String text = "Fake transcript of " + file.bytes() + " bytes.";
                String format = fields.getOrDefault("response_format", "json");
                switch (format) {
                    case "json" -> response.putHeader("content-type", "application/json").end(JSON.createObjectNode().put("text", text).toString());
                    case "verbose_json" -> response.putHeader("content-type", "application/json").end(JSON.createObjectNode()
                            .put("task", "transcribe").put("language", "english").put("duration", 61.5).put("text", text).toString());
                    case "text" -> response.putHeader("content-type", "text/plain; charset=utf-8").end(text + "\n");
                    case "srt" -> response.putHeader("content-type", "text/plain; charset=utf-8").end("1\n00:00:00,000 --> 00:00:01,000\n" + text + "\n\n");
                    case "vtt" -> response.putHeader("content-type", "text/vtt; charset=utf-8").end("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n" + text + "\n\n");
                    default -> error(response, 400, "Invalid value for 'response_format'.", "invalid_request_error", "response_format", null);
                }
                return;
            }
            boolean hasImage = files.stream().anyMatch(f -> f.field().equals("image") || f.field().equals("image[]"));
            if (!hasImage) {
                error(response, 400, "Missing required parameter: 'image'.", "invalid_request_error", "image", null);
                return;
            }
            if (operation.equals("images/edits") && !fields.containsKey("prompt")) {
                error(response, 400, "Missing required parameter: 'prompt'.", "invalid_request_error", "prompt", null);
                return;
            }
            synchronized (heads) {
                for (byte[] head : heads) {
                    boolean png = (head[0] & 0xff) == 0x89 && head[1] == 'P';
                    boolean jpeg = (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8;
                    if (!png && !jpeg) {
                        error(response, 400, "Invalid input image - format must be in ['RGBA', 'LA', 'L'].", "invalid_request_error", "image", null);
                        return;
                    }
                }
            }
            images(response, Integer.parseInt(fields.getOrDefault("n", "1")), fields.getOrDefault("response_format", "url"),
                    fields.getOrDefault("prompt", ""));
        });
    }

    private void images(HttpServerResponse response, int n, String format, String prompt) {
        ObjectNode out = JSON.createObjectNode().put("created", System.currentTimeMillis() / 1000);
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < n; i++) {
            if (format.equals("b64_json")) {
                data.addObject().put("b64_json", Base64.getEncoder().encodeToString(MediaSamples.png(prompt.hashCode() + 99L + i, 8)));
            } else {
                data.addObject().put("url", "https://fake.openai.test/images/" + i + ".png");
            }
        }
        response.putHeader("content-type", "application/json").end(out.toString());
    }

    private boolean failed(HttpServerResponse response) {
        if (failures.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
            error(response, failureStatus, "The server had an error while processing your request.", "server_error", null, null);
            return true;
        }
        return false;
    }

    private static boolean missing(HttpServerResponse response, JsonNode body, String field) {
        if (!body.hasNonNull(field)) {
            error(response, 400, "Missing required parameter: '" + field + "'.", "invalid_request_error", field, "missing_required_parameter");
            return true;
        }
        return false;
    }

    private static void error(HttpServerResponse response, int status, String message, String type, String param, String code) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        response.setStatusCode(status).putHeader("content-type", "application/json").end(error.toString());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        vertx.close();
    }
}

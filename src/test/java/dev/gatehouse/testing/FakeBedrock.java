package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * A fake AWS Bedrock runtime: a real HTTP server on 127.0.0.1 serving
 * {@code POST /model/{modelId}/converse} and {@code /converse-stream} as the Bedrock API reference
 * documents them (Converse request syntax, ConverseStream events).
 *
 * <p>Authentication is checked as AWS does: the SigV4 {@code Authorization} header is parsed
 * (credential scope date/region/{@code bedrock}/aws4_request, signed headers, signature), the
 * canonical request is rebuilt from what arrived (double URI-encoded path, sorted signed headers,
 * SHA-256 of the body) and the signature recomputed with the secret of the access key; a mismatch
 * is a 403 InvalidSignatureException, an unknown key UnrecognizedClientException, a stale
 * {@code X-Amz-Date} (over 15 minutes) InvalidSignatureException, and a session token marked
 * {@link #expireSessionToken expired} ExpiredTokenException. A Bedrock API key may be sent as a
 * bearer token instead.
 *
 * <p>Validation (400 ValidationException, AWS wording where known): unknown top-level fields,
 * {@code messages} empty or not alternating user/assistant starting with user, content blocks that
 * are not exactly one of the documented members, images other than png/jpeg/gif/webp bytes,
 * invalid base64, document formats and names, toolUse input not an object, toolResult ids that do
 * not answer the previous assistant turn's toolUse blocks, tool blocks without {@code toolConfig},
 * tool names, toolChoice members, inferenceConfig ranges, more than 4 stop sequences, cachePoint types.
 *
 * <p>Streams are real event-stream frames (encoded by the AWS SDK's own eventstream module, so the
 * gateway's decoder is checked against an independent encoder): messageStart, contentBlockStart /
 * Delta / Stop, messageStop, metadata.
 */
public final class FakeBedrock implements AutoCloseable {
    public static final String ACCESS_KEY = "AKIAFAKEBEDROCK00001";
    public static final String SECRET_KEY = "fake/bedrock/secret/key/0000000000000000";
    public static final String API_KEY = "bedrock-api-key-fake";
    public static final String REGION = "us-east-1";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("^/model/([^/]+)/(converse|converse-stream)$");
    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Set<String> REQUEST_FIELDS = Set.of("messages", "system", "inferenceConfig", "toolConfig",
            "guardrailConfig", "additionalModelRequestFields", "promptVariables", "additionalModelResponseFieldPaths",
            "requestMetadata", "performanceConfig");
    private static final Set<String> CONTENT_MEMBERS = Set.of("text", "image", "document", "video", "toolUse", "toolResult",
            "guardContent", "cachePoint", "reasoningContent", "citationsContent");
    private static final Set<String> DOCUMENT_FORMATS = Set.of("pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md");
    private static final Pattern DOCUMENT_NAME = Pattern.compile("[a-zA-Z0-9 \\-()\\[\\]]+");
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Pattern MODEL_ID = Pattern.compile(
            "(arn:aws[^:]*:bedrock:[a-z0-9-]{1,20}:\\d{12}:[a-z-]+/.+|([a-z]{2}\\.)?[a-z0-9-]{1,63}\\.[a-z0-9.:-]{1,200})");

    /** A tool call the fake answers with; {@code input} is JSON object text; a null or empty id gets one made up. */
    public record Call(String id, String name, String input) {
        public Call(String name, String input) {
            this(null, name, input);
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> secrets = new ConcurrentHashMap<>(Map.of(ACCESS_KEY, SECRET_KEY));
    private final Set<String> expiredTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger expiredRejections = new AtomicInteger();
    private final List<String[]> errors = new CopyOnWriteArrayList<>(); // {status, type, message, retry-after or null}
    private volatile String answer = "Hello from Bedrock.";
    private volatile List<Call> calls = List.of();
    private volatile String reasoning;
    private volatile String stopReason;
    private volatile int inputTokens = 12;
    private volatile int cacheRead;
    private volatile int cacheWrite;
    private volatile String streamException; // {type}: sent after the first delta
    private volatile int cutAfter = -1;

    private FakeBedrock() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
    }

    public static FakeBedrock start() {
        FakeBedrock fake = new FakeBedrock();
        await(fake.server.listen());
        return fake;
    }

    /** {@code http://127.0.0.1:PORT}: the runtime endpoint (in AWS, https://bedrock-runtime.REGION.amazonaws.com). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() {
        await(server.close());
        await(vertx.close());
    }

    // ------------------------------------------------------------------ behaviour

    public FakeBedrock answer(String text) { answer = text; calls = List.of(); return this; }

    public FakeBedrock toolCalls(Call... c) { calls = List.of(c); return this; }

    public FakeBedrock reasoning(String text) { reasoning = text; return this; }

    /** Forces a stopReason (e.g. guardrail_intervened); null = automatic. */
    public FakeBedrock stopReason(String reason) { stopReason = reason; return this; }

    public FakeBedrock usage(int input, int read, int write) { inputTokens = input; cacheRead = read; cacheWrite = write; return this; }

    /** Another access key the fake accepts. */
    public FakeBedrock allowKey(String accessKeyId, String secret) { secrets.put(accessKeyId, secret); return this; }

    /** Requests signed with this session token are refused as expired (ExpiredTokenException). */
    public FakeBedrock expireSessionToken(String token) { expiredTokens.add(token); return this; }

    /** How many requests were refused because their session token had expired. */
    public int expiredRejections() { return expiredRejections.get(); }

    /** The next request fails with this Bedrock error (e.g. 429 ThrottlingException). */
    public FakeBedrock failNext(int status, String type, String message) {
        errors.add(new String[] {Integer.toString(status), type, message, null});
        return this;
    }

    /** The next request fails with this error and a Retry-After header (seconds). */
    public FakeBedrock failNext(int status, String type, String message, int retryAfterSeconds) {
        errors.add(new String[] {Integer.toString(status), type, message, Integer.toString(retryAfterSeconds)});
        return this;
    }

    /** Streams: an exception frame of this type (e.g. throttlingException) after the first text delta. */
    public FakeBedrock streamException(String type) { streamException = type; return this; }

    /** Streams: close the connection after k frames. */
    public FakeBedrock cutAfter(int k) { cutAfter = k; return this; }

    public FakeBedrock reset() {
        answer = "Hello from Bedrock."; calls = List.of(); reasoning = null; stopReason = null; inputTokens = 12; cacheRead = 0;
        cacheWrite = 0; streamException = null; cutAfter = -1; errors.clear(); expiredTokens.clear(); expiredRejections.set(0);
        return this;
    }

    public List<RecordedRequest> requests() { return List.copyOf(requests); }

    public RecordedRequest lastRequest() { return requests.getLast(); }

    // ------------------------------------------------------------------ handling

    private static final class Refused extends RuntimeException {
        final int status;
        final String type;

        Refused(int status, String type, String message) {
            super(message);
            this.status = status;
            this.type = type;
        }
    }

    private static Refused invalid(String message) {
        return new Refused(400, "ValidationException", message);
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            JsonNode json = null;
            try {
                json = JSON.readTree(body);
            } catch (Exception notJson) {
                // reported below
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            req.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
            requests.add(new RecordedRequest(req.method().name(), req.path(), req.query() == null ? "" : req.query(),
                    Map.copyOf(headers), body, json, List.of()));
            HttpServerResponse res = req.response();
            try {
                respond(req, body, json, res);
            } catch (Refused e) {
                error(res, e.status, e.type, e.getMessage());
            }
        });
    }

    static void error(HttpServerResponse res, int status, String type, String message) {
        res.setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
                .end(JSON.createObjectNode().put("message", message).toString());
    }

    private void respond(HttpServerRequest req, byte[] body, JsonNode json, HttpServerResponse res) {
        if (req.method() != HttpMethod.POST) {
            throw new Refused(404, "UnknownOperationException", "Unknown operation");
        }
        Matcher m = PATH.matcher(req.path());
        if (!m.matches()) {
            throw new Refused(404, "UnknownOperationException", "Unknown operation " + req.path());
        }
        authenticate(req, body);
        String modelId = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        if (!MODEL_ID.matcher(modelId).matches()) {
            throw invalid("1 validation error detected: Value '" + modelId + "' at 'modelId' failed to satisfy constraint");
        }
        boolean stream = m.group(2).equals("converse-stream");
        if (json == null || !json.isObject()) {
            throw new Refused(400, "SerializationException", "Unable to parse request body as JSON");
        }
        validate(json);
        if (!errors.isEmpty()) {
            String[] e = errors.removeFirst();
            if (e[3] != null) {
                res.putHeader("retry-after", e[3]);
            }
            throw new Refused(Integer.parseInt(e[0]), e[1], e[2]);
        }
        if (stream) {
            stream(res, json);
        } else {
            res.putHeader("content-type", "application/json").end(whole(json).toString());
        }
    }

    // ------------------------------------------------------------------ SigV4

    private void authenticate(HttpServerRequest req, byte[] body) {
        String authorization = req.getHeader("authorization");
        if (authorization == null) {
            throw new Refused(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        if (authorization.startsWith("Bearer ")) {
            if (!authorization.substring(7).equals(API_KEY)) {
                throw new Refused(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
            }
            return;
        }
        Matcher a = AUTH.matcher(authorization);
        if (!a.matches()) {
            throw new Refused(403, "IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' "
                    + "and 'SignedHeaders' parameters. Authorization=" + authorization.split(" ")[0]);
        }
        String keyId = a.group(1);
        String date = a.group(2);
        String region = a.group(3);
        String service = a.group(4);
        String signedHeaders = a.group(5);
        String signature = a.group(6);
        String secret = secrets.get(keyId);
        if (secret == null) {
            throw new Refused(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        if (!service.equals("bedrock") || !region.equals(REGION)) {
            throw new Refused(403, "InvalidSignatureException", "Credential should be scoped to a valid region and service "
                    + "'bedrock' in region '" + REGION + "', not '" + region + "/" + service + "'.");
        }
        String amzDate = req.getHeader("x-amz-date");
        if (amzDate == null || !amzDate.startsWith(date)) {
            throw new Refused(403, "IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential date");
        }
        Instant signedAt = Instant.from(AMZ_DATE.parse(amzDate));
        if (Duration.between(signedAt, Instant.now()).abs().toMinutes() >= 15) {
            throw new Refused(403, "InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than the "
                    + "allowed window.");
        }
        List<String> names = List.of(signedHeaders.split(";"));
        if (!names.contains("host") || !names.contains("x-amz-date")) {
            throw new Refused(403, "InvalidSignatureException", "'Host' and 'X-Amz-Date' must be signed headers.");
        }
        String token = req.getHeader("x-amz-security-token");
        if (token != null && !names.contains("x-amz-security-token")) {
            throw new Refused(403, "InvalidSignatureException", "'X-Amz-Security-Token' must be a signed header.");
        }
        StringBuilder canonical = new StringBuilder();
        canonical.append(req.method().name()).append('\n');
        canonical.append(canonicalUri(req.path())).append('\n');
        canonical.append(canonicalQuery(req.query())).append('\n');
        for (String name : names) {
            String value = req.headers().getAll(name).stream().map(v -> v.strip().replaceAll("\\s+", " "))
                    .reduce((x, y) -> x + "," + y).orElse(null);
            if (value == null) {
                throw new Refused(403, "InvalidSignatureException", "Signed header '" + name + "' is missing from the request.");
            }
            canonical.append(name).append(':').append(value).append('\n');
        }
        canonical.append('\n').append(signedHeaders).append('\n').append(hex(sha256(body)));
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused(403, "InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        if (token != null && expiredTokens.contains(token)) {
            expiredRejections.incrementAndGet();
            throw new Refused(403, "ExpiredTokenException", "The security token included in the request is expired");
        }
    }

    /** Each path segment URI-encoded once more (the raw path is already encoded once): SigV4 for services other than S3. */
    static String canonicalUri(String rawPath) {
        StringBuilder out = new StringBuilder();
        for (String segment : rawPath.split("/", -1)) {
            if (!out.isEmpty() || rawPath.startsWith("/")) {
                out.append('/');
            }
            out.append(uriEncode(segment));
        }
        String uri = out.toString();
        return uri.startsWith("//") ? uri.substring(1) : uri;
    }

    private static String canonicalQuery(String query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            sorted.put(uriEncode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : uriEncode(pair.substring(eq + 1)));
        }
        StringBuilder out = new StringBuilder();
        sorted.forEach((k, v) -> out.append(out.isEmpty() ? "" : "&").append(k).append('=').append(v));
        return out.toString();
    }

    /** RFC 3986 unreserved characters stay; every other byte becomes %XX (upper-case hex). */
    static String uriEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    // ------------------------------------------------------------------ validation

    private void validate(JsonNode root) {
        root.fieldNames().forEachRemaining(f -> {
            if (!REQUEST_FIELDS.contains(f)) {
                throw invalid("Malformed input request: extraneous key [" + f + "] is not permitted, please reformat your input and try again.");
            }
        });
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
        }
        boolean usesTools = false;
        Set<String> pendingToolUse = new LinkedHashSet<>();
        String previous = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode msg = messages.get(i);
            String role = msg.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw invalid("messages." + i + ".role: must be user or assistant");
            }
            if (i == 0 && !role.equals("user")) {
                throw invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
            }
            if (role.equals(previous)) {
                throw invalid("A conversation must alternate between user and assistant roles. Make sure the conversation "
                        + "alternates between user and assistant roles and try again.");
            }
            previous = role;
            msg.fieldNames().forEachRemaining(f -> {
                if (!f.equals("role") && !f.equals("content")) {
                    throw invalid("Malformed input request: extraneous key [" + f + "] in messages." + f);
                }
            });
            JsonNode content = msg.get("content");
            if (content == null || !content.isArray() || content.isEmpty()) {
                throw invalid("The content field in the Message object at messages." + i + " is empty. Add a ContentBlock "
                        + "object to the content field and try again.");
            }
            Set<String> answered = new LinkedHashSet<>();
            Set<String> used = new LinkedHashSet<>();
            for (int j = 0; j < content.size(); j++) {
                String where = "messages." + i + ".content." + j;
                String member = block(content.get(j), where);
                JsonNode value = content.get(j).get(member);
                switch (member) {
                    case "toolUse" -> {
                        usesTools = true;
                        if (!role.equals("assistant")) {
                            throw invalid(where + ": toolUse is only allowed in assistant messages");
                        }
                        requireText(value, "toolUseId", where);
                        requireText(value, "name", where);
                        if (!value.path("input").isObject()) {
                            throw invalid(where + ".toolUse.input: must be a JSON object");
                        }
                        used.add(value.get("toolUseId").asText());
                    }
                    case "toolResult" -> {
                        usesTools = true;
                        if (!role.equals("user")) {
                            throw invalid(where + ": toolResult is only allowed in user messages");
                        }
                        String id = requireText(value, "toolUseId", where);
                        if (!pendingToolUse.contains(id)) {
                            throw invalid("The toolUseId " + id + " in toolResult blocks does not match any toolUse in the previous turn.");
                        }
                        answered.add(id);
                        JsonNode results = value.get("content");
                        if (results == null || !results.isArray()) {
                            throw invalid(where + ".toolResult.content: must be a list");
                        }
                        for (int k = 0; k < results.size(); k++) {
                            JsonNode r = results.get(k);
                            if (r.size() != 1 || !Set.of("text", "json", "image", "document", "video").contains(r.fieldNames().next())) {
                                throw invalid(where + ".toolResult.content." + k + ": must be exactly one of text, json, image, document, video");
                            }
                            if (r.has("image")) {
                                image(r.get("image"), where + ".toolResult.content." + k);
                            }
                        }
                        String status = value.path("status").asText("success");
                        if (!status.equals("success") && !status.equals("error")) {
                            throw invalid(where + ".toolResult.status: must be success or error");
                        }
                    }
                    case "image" -> image(value, where);
                    case "document" -> {
                        String format = value.path("format").asText("");
                        if (!DOCUMENT_FORMATS.contains(format)) {
                            throw invalid(where + ".document.format: '" + format + "' is not one of " + DOCUMENT_FORMATS);
                        }
                        String name = value.path("name").asText("");
                        if (!DOCUMENT_NAME.matcher(name).matches() || name.contains("  ")) {
                            throw invalid(where + ".document.name: '" + name + "' may only contain alphanumeric characters, "
                                    + "whitespace (no more than one in a row), hyphens, parentheses and square brackets");
                        }
                        base64(value.path("source").path("bytes"), where + ".document.source.bytes");
                    }
                    case "text" -> {
                        if (!value.isTextual() || value.asText().isBlank()) {
                            throw invalid("The text field in the ContentBlock object at " + where + " is blank. Add text to the "
                                    + "text field, and try again.");
                        }
                    }
                    case "cachePoint" -> cachePoint(value, where);
                    default -> { }
                }
            }
            if (role.equals("user") && !pendingToolUse.isEmpty() && !answered.equals(pendingToolUse)) {
                throw invalid("Expected toolResult blocks at messages." + i + ".content for the following Ids: "
                        + String.join(", ", pendingToolUse));
            }
            pendingToolUse = role.equals("assistant") ? used : Set.of();
        }
        JsonNode system = root.get("system");
        if (system != null) {
            if (!system.isArray()) {
                throw invalid("system: must be a list of SystemContentBlock");
            }
            for (int i = 0; i < system.size(); i++) {
                JsonNode b = system.get(i);
                if (b.size() != 1 || !Set.of("text", "guardContent", "cachePoint").contains(b.fieldNames().next())) {
                    throw invalid("system." + i + ": must be exactly one of text, guardContent, cachePoint");
                }
                if (b.has("cachePoint")) {
                    cachePoint(b.get("cachePoint"), "system." + i);
                }
            }
        }
        JsonNode inference = root.get("inferenceConfig");
        if (inference != null) {
            inference.fieldNames().forEachRemaining(f -> {
                if (!Set.of("maxTokens", "temperature", "topP", "stopSequences").contains(f)) {
                    throw invalid("inferenceConfig: extraneous key [" + f + "] is not permitted");
                }
            });
            if (inference.has("maxTokens") && inference.get("maxTokens").asInt(0) < 1) {
                throw invalid("inferenceConfig.maxTokens: must be at least 1");
            }
            for (String f : List.of("temperature", "topP")) {
                if (inference.has(f) && (inference.get(f).asDouble() < 0 || inference.get(f).asDouble() > 1)) {
                    throw invalid("inferenceConfig." + f + ": must be between 0 and 1");
                }
            }
            if (inference.path("stopSequences").size() > 4) {
                throw invalid("inferenceConfig.stopSequences: at most 4 stop sequences");
            }
        }
        JsonNode toolConfig = root.get("toolConfig");
        if (usesTools && toolConfig == null) {
            throw invalid("The toolConfig field must be defined when using toolUse and toolResult content blocks.");
        }
        if (toolConfig != null) {
            JsonNode tools = toolConfig.get("tools");
            if (tools == null || !tools.isArray() || tools.isEmpty()) {
                throw invalid("toolConfig.tools: must have at least one tool");
            }
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                if (t.has("cachePoint")) {
                    cachePoint(t.get("cachePoint"), "toolConfig.tools." + i);
                    continue;
                }
                JsonNode spec = t.get("toolSpec");
                if (spec == null || t.size() != 1) {
                    throw invalid("toolConfig.tools." + i + ": must be exactly one of toolSpec, systemTool, cachePoint");
                }
                if (!TOOL_NAME.matcher(spec.path("name").asText("")).matches()) {
                    throw invalid("toolConfig.tools." + i + ".toolSpec.name: must match [a-zA-Z0-9_-]{1,64}");
                }
                if (!spec.path("inputSchema").path("json").isObject()) {
                    throw invalid("toolConfig.tools." + i + ".toolSpec.inputSchema.json: must be a JSON schema object");
                }
            }
            JsonNode choice = toolConfig.get("toolChoice");
            if (choice != null && (choice.size() != 1 || !Set.of("auto", "any", "tool").contains(choice.fieldNames().next()))) {
                throw invalid("toolConfig.toolChoice: must be exactly one of auto, any, tool");
            }
            if (choice != null && choice.has("tool") && choice.path("tool").path("name").asText("").isEmpty()) {
                throw invalid("toolConfig.toolChoice.tool.name: required");
            }
        }
    }

    private static String block(JsonNode block, String where) {
        if (!block.isObject() || block.size() != 1 || !CONTENT_MEMBERS.contains(block.fieldNames().next())) {
            throw invalid(where + ": a ContentBlock must have exactly one of " + CONTENT_MEMBERS + ", got " + block);
        }
        return block.fieldNames().next();
    }

    private static String requireText(JsonNode node, String field, String where) {
        String v = node.path(field).asText("");
        if (v.isEmpty()) {
            throw invalid(where + "." + field + ": required");
        }
        return v;
    }

    private static void image(JsonNode image, String where) {
        String format = image.path("format").asText("");
        if (!Set.of("png", "jpeg", "gif", "webp").contains(format)) {
            throw invalid(where + ".image.format: '" + format + "' is not one of png, jpeg, gif, webp");
        }
        base64(image.path("source").path("bytes"), where + ".image.source.bytes");
    }

    private static void base64(JsonNode value, String where) {
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw invalid(where + ": required (base64 bytes)");
        }
        try {
            Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": invalid base64");
        }
    }

    private static void cachePoint(JsonNode value, String where) {
        if (!"default".equals(value.path("type").asText())) {
            throw invalid(where + ".cachePoint.type: must be 'default'");
        }
    }

    // ------------------------------------------------------------------ answers

    private int maxTokens(JsonNode request) {
        return request.path("inferenceConfig").path("maxTokens").asInt(Integer.MAX_VALUE);
    }

    /** The answer up to the first of the request's stop sequences it contains. */
    private String beforeStop(JsonNode request) {
        String text = answer;
        for (JsonNode stop : request.path("inferenceConfig").path("stopSequences")) {
            int at = text.indexOf(stop.asText());
            if (at >= 0) {
                text = text.substring(0, at);
            }
        }
        return text;
    }

    /** The answer's words (one token each, split after spaces), cut at max tokens. */
    private String[] words(JsonNode request) {
        String text = beforeStop(request);
        String[] all = text.isEmpty() ? new String[0] : text.split("(?<= )");
        int max = maxTokens(request);
        return all.length > max ? java.util.Arrays.copyOf(all, max) : all;
    }

    private List<Call> toolsToCall(JsonNode request) {
        if (!calls.isEmpty()) {
            return calls;
        }
        JsonNode forced = request.path("toolConfig").path("toolChoice").path("tool").path("name");
        if (forced.isTextual()) { // a forced tool (the gateway's JSON output): the answer is its input
            String input = answer.strip().startsWith("{") ? answer : "{\"answer\":\"" + answer + "\"}";
            return List.of(new Call(forced.asText(), input));
        }
        return List.of();
    }

    private String stop(JsonNode request, List<Call> toCall) {
        if (stopReason != null) {
            return stopReason;
        }
        if (!toCall.isEmpty()) {
            return "tool_use";
        }
        if (!beforeStop(request).equals(answer)) {
            return "stop_sequence";
        }
        String text = beforeStop(request);
        return words(request).length < (text.isEmpty() ? 0 : text.split("(?<= )").length) ? "max_tokens" : "end_turn";
    }

    private ObjectNode usage(int outputTokens) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("inputTokens", inputTokens);
        usage.put("outputTokens", outputTokens);
        usage.put("totalTokens", inputTokens + outputTokens + cacheRead + cacheWrite);
        if (cacheRead > 0 || cacheWrite > 0) {
            usage.put("cacheReadInputTokens", cacheRead);
            usage.put("cacheWriteInputTokens", cacheWrite);
        }
        return usage;
    }

    private ObjectNode whole(JsonNode request) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = root.putObject("output").putObject("message");
        message.put("role", "assistant");
        var content = message.putArray("content");
        List<Call> toCall = toolsToCall(request);
        if (reasoning != null) {
            content.addObject().putObject("reasoningContent").putObject("reasoningText").put("text", reasoning).put("signature", "sig-1");
        }
        String[] words = words(request);
        if (toCall.isEmpty()) {
            content.addObject().put("text", String.join("", words));
        }
        int n = 0;
        for (Call c : toCall) {
            ObjectNode use = content.addObject().putObject("toolUse");
            use.put("toolUseId", id(c, ++n));
            use.put("name", c.name());
            use.set("input", parse(c.input()));
        }
        root.put("stopReason", stop(request, toCall));
        root.set("usage", usage(toCall.isEmpty() ? words.length : 5 * toCall.size()));
        root.putObject("metrics").put("latencyMs", 42);
        return root;
    }

    private void stream(HttpServerResponse res, JsonNode request) {
        List<Buffer> frames = new ArrayList<>();
        frames.add(event("messageStart", JSON.createObjectNode().put("role", "assistant")));
        List<Call> toCall = toolsToCall(request);
        int block = 0;
        if (reasoning != null) {
            frames.add(delta(block, JSON.createObjectNode().set("reasoningContent", JSON.createObjectNode().put("text", reasoning))));
            frames.add(delta(block, JSON.createObjectNode().set("reasoningContent", JSON.createObjectNode().put("signature", "sig-1"))));
            frames.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", block++)));
        }
        String[] words = words(request);
        if (toCall.isEmpty()) {
            for (int i = 0; i < words.length; i++) {
                frames.add(delta(block, JSON.createObjectNode().put("text", words[i])));
                if (i == 0 && streamException != null) { // Bedrock ends the stream with the exception
                    frames.add(exception(streamException, "Too many requests, please wait before trying again."));
                    send(res, frames, frames.size(), false);
                    return;
                }
            }
            frames.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", block++)));
        }
        int n = 0;
        for (Call c : toCall) {
            ObjectNode start = JSON.createObjectNode().put("contentBlockIndex", block);
            start.putObject("start").putObject("toolUse").put("toolUseId", id(c, ++n)).put("name", c.name());
            frames.add(event("contentBlockStart", start));
            String input = parse(c.input()).toString();
            int half = input.length() / 2;
            for (String piece : new String[] {input.substring(0, half), input.substring(half)}) {
                frames.add(delta(block, JSON.createObjectNode().set("toolUse", JSON.createObjectNode().put("input", piece))));
            }
            frames.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", block++)));
        }
        frames.add(event("messageStop", JSON.createObjectNode().put("stopReason", stop(request, toCall))));
        ObjectNode metadata = JSON.createObjectNode();
        metadata.set("usage", usage(toCall.isEmpty() ? words.length : 5 * toCall.size()));
        metadata.putObject("metrics").put("latencyMs", 42);
        frames.add(event("metadata", metadata));
        send(res, frames, cutAfter >= 0 ? Math.min(cutAfter, frames.size()) : frames.size(), cutAfter >= 0);
    }

    private static void send(HttpServerResponse res, List<Buffer> frames, int limit, boolean cut) {
        res.setChunked(true).putHeader("content-type", "application/vnd.amazon.eventstream");
        // Frames split across writes at odd offsets, as TCP may deliver them.
        Buffer all = Buffer.buffer();
        for (int i = 0; i < limit; i++) {
            all.appendBuffer(frames.get(i));
        }
        for (int i = 0; i < all.length(); i += 37) {
            res.write(all.getBuffer(i, Math.min(all.length(), i + 37)));
        }
        if (cut) {
            res.reset();
        } else {
            res.end();
        }
    }

    private static String id(Call c, int n) {
        return c.id() == null || c.id().isEmpty() ? "tooluse_" + n + "abcdefghijklmnop" : c.id();
    }

    private static Buffer delta(int block, ObjectNode delta) {
        ObjectNode event = JSON.createObjectNode().put("contentBlockIndex", block);
        event.set("delta", delta);
        return event("contentBlockDelta", event);
    }

    /** One event frame; {@code p} pads the payload as Bedrock does. */
    static Buffer event(String type, ObjectNode payload) {
        payload.put("p", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0".substring(0, 1 + type.length() % 20));
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return frame(headers, payload.toString());
    }

    static Buffer exception(String type, String message) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        return frame(headers, JSON.createObjectNode().put("message", message).toString());
    }

    private static Buffer frame(Map<String, HeaderValue> headers, String payload) {
        java.nio.ByteBuffer bytes = new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return Buffer.buffer(out);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Google Cloud Vertex AI: its own OAuth token endpoint and the publisher-model endpoints,
 * in front of the strict {@link FakeGemini} and {@link FakeAnthropic}, which validate the bodies.
 *
 * <p>Token endpoint ({@code POST /token}): the service-account JWT bearer grant
 * ({@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer}); the assertion must be RS256,
 * signed by the service account's key ({@link #serviceAccountJson} makes one whose
 * {@code token_uri} points here), issued by its {@code client_email}, for this token URI, with the
 * cloud-platform scope and not expired. It answers an access token valid {@link #tokenLifetime}.
 *
 * <p>Model endpoints ({@code POST /v1/projects/{project}/locations/{region}/publishers/{google|anthropic}/models/{model}:{method}}):
 * the bearer token must be one this fake issued and not {@link #revokeTokens revoked} (else 401
 * UNAUTHENTICATED); an unknown project is a 403 PERMISSION_DENIED and an unknown location a 400
 * INVALID_ARGUMENT, in Google's words; Google models take {@code generateContent} and
 * {@code streamGenerateContent?alt=sse}, Anthropic models {@code rawPredict} and
 * {@code streamRawPredict} with {@code anthropic_version: vertex-2023-10-16} in the body and no
 * {@code model} field. Valid requests go on to the fake of the publisher.
 */
public final class FakeVertex implements AutoCloseable {
    public static final String PROJECT = "gatehouse-test";
    public static final String REGION = "us-east5";
    public static final String CLIENT_EMAIL = "gateway@gatehouse-test.iam.gserviceaccount.com";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile(
            "^/v1/projects/([^/]+)/locations/([^/]+)/publishers/(google|anthropic)/models/([^/:]+):([a-zA-Z]+)$");
    private static final Set<String> REGIONS = Set.of("us-east5", "us-central1", "europe-west1", "global");

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final HttpClient client;
    private final KeyPair key;
    private final FakeGemini gemini;
    private final FakeAnthropic anthropic;
    private final Map<String, Boolean> tokens = new ConcurrentHashMap<>(); // token → valid
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile int tokenLifetime = 3600;

    private FakeVertex(FakeGemini gemini, FakeAnthropic anthropic) {
        this.gemini = gemini;
        this.anthropic = anthropic;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            key = generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        client = vertx.createHttpClient();
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
    }

    /** Starts the fake in front of the two publisher fakes (which the caller owns and closes). */
    public static FakeVertex start(FakeGemini gemini, FakeAnthropic anthropic) {
        FakeVertex fake = new FakeVertex(gemini, anthropic);
        FakeBedrock.await(fake.server.listen());
        return fake;
    }

    /** Where the provider's {@code base-url} points (in Google Cloud, https://REGION-aiplatform.googleapis.com). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public String tokenUri() {
        return baseUrl() + "/token";
    }

    /** A service-account JSON key whose private key this fake checks signatures against. */
    public String serviceAccountJson() {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode sa = JSON.createObjectNode();
        sa.put("type", "service_account");
        sa.put("project_id", PROJECT);
        sa.put("private_key_id", "key-1");
        sa.put("private_key", pem);
        sa.put("client_email", CLIENT_EMAIL);
        sa.put("client_id", "100000000000000000001");
        sa.put("token_uri", tokenUri());
        return sa.toString();
    }

    /** Seconds each issued token lives. */
    public FakeVertex tokenLifetime(int seconds) { tokenLifetime = seconds; return this; }

    /** Every token issued so far is refused from now on (as a revoked or expired token is). */
    public FakeVertex revokeTokens() { tokens.replaceAll((k, v) -> false); return this; }

    public int tokensIssued() { return tokensIssued.get(); }

    /** Model calls refused with 401 because of their token. */
    public int unauthorized() { return unauthorized.get(); }

    public List<RecordedRequest> requests() { return List.copyOf(requests); }

    public RecordedRequest lastRequest() { return requests.getLast(); }

    @Override
    public void close() {
        FakeBedrock.await(server.close());
        FakeBedrock.await(vertx.close());
    }

    // ------------------------------------------------------------------ handling

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buffer -> {
            byte[] body = buffer.getBytes();
            JsonNode json = null;
            try {
                json = JSON.readTree(body);
            } catch (Exception notJson) {
                // form bodies (token endpoint) or broken JSON
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            req.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
            requests.add(new RecordedRequest(req.method().name(), req.path(), req.query() == null ? "" : req.query(),
                    Map.copyOf(headers), body, json, List.of()));
            if (req.path().equals("/token")) {
                token(req, new String(body, StandardCharsets.UTF_8));
            } else {
                model(req, buffer, json);
            }
        });
    }

    private void token(HttpServerRequest req, String form) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(params.get("grant_type"))) {
            oauthError(req, "unsupported_grant_type", "Invalid grant_type: " + params.get("grant_type"));
            return;
        }
        try {
            SignedJWT jwt = SignedJWT.parse(params.getOrDefault("assertion", ""));
            if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new RSASSAVerifier((RSAPublicKey) key.getPublic()))) {
                oauthError(req, "invalid_grant", "Invalid JWT Signature.");
                return;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date now = new Date();
            // Google's token endpoint takes assertions addressed to it by its public URI (what the
            // library writes whatever token_uri says) or by the URI they were sent to.
            String problem = !CLIENT_EMAIL.equals(claims.getIssuer()) ? "issuer " + claims.getIssuer()
                    : !(claims.getAudience().contains(tokenUri()) || claims.getAudience().contains("https://oauth2.googleapis.com/token"))
                            ? "audience " + claims.getAudience()
                    : claims.getExpirationTime() == null || claims.getExpirationTime().before(now) ? "expired"
                    : claims.getIssueTime() == null || claims.getExpirationTime().getTime() - claims.getIssueTime().getTime() > 3_600_000
                            ? "lifetime over one hour"
                    : !String.valueOf(claims.getClaim("scope")).contains("https://www.googleapis.com/auth/cloud-platform")
                            ? "scope " + claims.getClaim("scope") : null;
            if (problem != null) {
                oauthError(req, "invalid_grant", "Invalid JWT: " + problem);
                return;
            }
        } catch (Exception e) {
            oauthError(req, "invalid_grant", "Invalid JWT: " + e.getMessage());
            return;
        }
        String token = "ya29.fake-" + tokensIssued.incrementAndGet();
        tokens.put(token, true);
        req.response().putHeader("content-type", "application/json").end(JSON.createObjectNode()
                .put("access_token", token).put("expires_in", tokenLifetime).put("token_type", "Bearer").toString());
    }

    private static void oauthError(HttpServerRequest req, String error, String description) {
        req.response().setStatusCode(400).putHeader("content-type", "application/json")
                .end(JSON.createObjectNode().put("error", error).put("error_description", description).toString());
    }

    private void model(HttpServerRequest req, Buffer body, JsonNode json) {
        Matcher m = PATH.matcher(req.path());
        if (req.method() != HttpMethod.POST || !m.matches()) {
            googleError(req, 404, "NOT_FOUND", "The requested URL " + req.path() + " was not found on this server.");
            return;
        }
        String auth = req.getHeader("authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        if (token == null || !Boolean.TRUE.equals(tokens.get(token))) {
            unauthorized.incrementAndGet();
            googleError(req, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access "
                    + "token, login cookie or other valid authentication credential.");
            return;
        }
        String project = m.group(1);
        String region = m.group(2);
        String publisher = m.group(3);
        String model = URLDecoder.decode(m.group(4), StandardCharsets.UTF_8);
        String method = m.group(5);
        if (!REGIONS.contains(region)) {
            googleError(req, 400, "INVALID_ARGUMENT", "Request contains an invalid argument: location '" + region
                    + "' is not a supported Vertex AI location.");
            return;
        }
        if (!project.equals(PROJECT)) {
            googleError(req, 403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on resource "
                    + "'//aiplatform.googleapis.com/projects/" + project + "/locations/" + region + "/publishers/" + publisher
                    + "/models/" + model + "' (or it may not exist).");
            return;
        }
        if (publisher.equals("google")) {
            if (!method.equals("generateContent") && !method.equals("streamGenerateContent")) {
                googleError(req, 400, "INVALID_ARGUMENT", "Method " + method + " is not served for Google models here.");
                return;
            }
            String query = req.query() == null ? "" : "?" + req.query();
            forward(req, gemini.baseUrl() + "/models/" + model + ":" + method + query, body,
                    Map.of("x-goog-api-key", FakeGemini.DEFAULT_KEY));
            return;
        }
        if (!method.equals("rawPredict") && !method.equals("streamRawPredict")) {
            googleError(req, 400, "INVALID_ARGUMENT", "Anthropic models take rawPredict or streamRawPredict, not " + method);
            return;
        }
        if (!(json instanceof ObjectNode recorded)) {
            googleError(req, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
            return;
        }
        ObjectNode object = recorded.deepCopy(); // the recorded request stays as it arrived
        if (!"vertex-2023-10-16".equals(object.path("anthropic_version").asText(null))) {
            anthropicError(req, "anthropic_version: vertex-2023-10-16 is required in the body");
            return;
        }
        if (object.has("model")) {
            anthropicError(req, "model: Extra inputs are not permitted (on Vertex AI the model is named by the URL)");
            return;
        }
        if (method.equals("streamRawPredict") != object.path("stream").asBoolean(false)) {
            anthropicError(req, "stream: must be true for streamRawPredict and absent or false for rawPredict");
            return;
        }
        object.remove("anthropic_version");
        object.put("model", model.contains("@") ? model.substring(0, model.indexOf('@')) : model);
        forward(req, anthropic.baseUrl() + "/v1/messages", Buffer.buffer(object.toString()),
                Map.of("x-api-key", FakeAnthropic.DEFAULT_KEY, "anthropic-version", "2023-06-01"));
    }

    private void forward(HttpServerRequest req, String url, Buffer body, Map<String, String> headers) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url);
        options.putHeader("content-type", "application/json");
        headers.forEach(options::putHeader);
        client.request(options).compose(r -> r.send(body)).onComplete(sent -> {
            if (sent.failed()) {
                googleError(req, 503, "UNAVAILABLE", "publisher fake unreachable: " + sent.cause().getMessage());
                return;
            }
            var upstream = sent.result();
            req.response().setStatusCode(upstream.statusCode()).setChunked(true);
            for (String name : List.of("content-type", "retry-after")) {
                String value = upstream.getHeader(name);
                if (value != null) {
                    req.response().putHeader(name, value);
                }
            }
            upstream.handler(req.response()::write);
            upstream.endHandler(v -> req.response().end());
            upstream.exceptionHandler(e -> req.response().reset());
        });
    }

    private static void googleError(HttpServerRequest req, int code, String status, String message) {
        req.response().setStatusCode(code).putHeader("content-type", "application/json")
                .end(FakeGemini.errorBody(code, status, message, null));
    }

    private static void anthropicError(HttpServerRequest req, String message) {
        ObjectNode root = JSON.createObjectNode().put("type", "error");
        root.putObject("error").put("type", "invalid_request_error").put("message", message);
        req.response().setStatusCode(400).putHeader("content-type", "application/json").end(root.toString());
    }
}

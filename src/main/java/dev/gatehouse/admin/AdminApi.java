package dev.gatehouse.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.access.AuthenticateStage;
import dev.gatehouse.access.CredentialExtractor;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.http.BodyReader;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminHandler;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.ConsoleSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin REST API under {@code /admin/v1}: authentication (the same authenticators as the
 * caller API; the master key acts as owner), role checks, JSON in and out, paging, and the
 * OpenAPI document at {@code /admin/v1/openapi.json} built from the declared operations.
 * Handlers run on virtual threads so they can use JDBC without blocking an event loop.
 */
public final class AdminApi {
    public static final String PREFIX = "/admin/v1";
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final long MAX_BODY = 1024 * 1024;

    private final AuthenticateStage authentication;
    private final ConsoleSessions sessions;
    private final ObjectMapper json = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Operation> operations = new ArrayList<>();

    private record Operation(HttpMethod method, String path, String summary, Access access, AdminHandler handler) {}

    public AdminApi(AuthenticateStage authentication) {
        this(authentication, null);
    }

    /** @param sessions the console's sessions, whose cookie also authenticates (null: bearer keys only) */
    public AdminApi(AuthenticateStage authentication, ConsoleSessions sessions) {
        this.authentication = authentication;
        this.sessions = sessions;
    }

    /** Adds a group of endpoints; call before {@link #mount}. */
    public AdminApi add(AdminEndpoints endpoints) {
        endpoints.register(new AdminRoutes() {
            @Override
            public void get(String path, String summary, Access access, AdminHandler handler) {
                operations.add(new Operation(HttpMethod.GET, path, summary, access, handler));
            }

            @Override
            public void post(String path, String summary, Access access, AdminHandler handler) {
                operations.add(new Operation(HttpMethod.POST, path, summary, access, handler));
            }

            @Override
            public void patch(String path, String summary, Access access, AdminHandler handler) {
                operations.add(new Operation(HttpMethod.PATCH, path, summary, access, handler));
            }

            @Override
            public void delete(String path, String summary, Access access, AdminHandler handler) {
                operations.add(new Operation(HttpMethod.DELETE, path, summary, access, handler));
            }
        });
        return this;
    }

    public void mount(Router router) {
        byte[] openApi = openApiDocument();
        router.get(PREFIX + "/openapi.json").handler(ctx ->
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(Buffer.buffer(openApi)));
        for (Operation operation : operations) {
            router.route(operation.method(), PREFIX + operation.path()).handler(ctx -> handle(ctx, operation));
        }
    }

    private void handle(RoutingContext ctx, Operation operation) {
        Principal principal;
        try {
            principal = principal(ctx, operation.method());
        } catch (GatewayException e) {
            ErrorWriter.write(ctx, e);
            return;
        }
        if (!operation.access().allows(principal)) {
            ErrorWriter.write(ctx, new GatewayException(ErrorType.PERMISSION,
                    "Your role may not " + operation.summary().toLowerCase(Locale.ROOT)
                            + " (needs one of: " + String.join(", ", operation.access().roles()) + ").",
                    null, "forbidden"));
            return;
        }
        Future<Buffer> body = operation.method() == HttpMethod.GET || operation.method() == HttpMethod.DELETE
                ? Future.succeededFuture(Buffer.buffer())
                : BodyReader.read(ctx.request(), MAX_BODY);
        Context context = Vertx.currentContext();
        body.compose(bytes -> {
            AdminRequest request = new AdminRequest(principal, clientAddress(ctx), ctx.get(ErrorWriter.REQUEST_ID),
                    ctx.pathParams(), queryParams(ctx), parse(bytes));
            CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return operation.handler().handle(request);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, blocking);
            return Future.fromCompletionStage(result, context);
        }).onComplete(done -> {
            if (done.failed()) {
                Throwable cause = done.cause() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : done.cause();
                if (storageDown(cause)) {
                    // The database is unreachable (an outage, a failover): calls keep being served
                    // from memory, only changes wait. Say so, instead of an internal error.
                    LOG.warn("admin {} {} refused, database unreachable: {}", operation.method(), operation.path(), cause.getMessage());
                    cause = new GatewayException(ErrorType.UNAVAILABLE, "The database is unreachable, so admin changes cannot be"
                            + " saved or read right now; calls are still served. Try again shortly.", null, "storage_unavailable",
                            Duration.ofSeconds(5), 0);
                } else if (!(cause instanceof GatewayException)) {
                    LOG.error("admin {} {} failed", operation.method(), operation.path(), cause);
                }
                ErrorWriter.write(ctx, cause);
                return;
            }
            respond(ctx, done.result());
        });
    }

    /** Whether a failure comes from a database that cannot be reached (not from a bad statement). */
    static boolean storageDown(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A bearer key or {@code x-api-key} wins; without one, the console's session cookie stands for
     * the credential the session was opened with. A change (anything but GET) made with the cookie
     * must also carry the session's CSRF token.
     */
    private Principal principal(RoutingContext ctx, HttpMethod method) {
        if (sessions != null && CredentialExtractor.token(ctx.request().headers()) == null) {
            Cookie cookie = ctx.request().getCookie(ConsoleSessions.COOKIE);
            if (cookie != null) {
                ConsoleSessions.Session session = sessions.find(cookie.getValue());
                if (session == null) {
                    throw new GatewayException(ErrorType.AUTHENTICATION, "Your console session has ended. Sign in again.",
                            null, "session_expired");
                }
                if (method != HttpMethod.GET && !ConsoleSessions.csrfMatches(session, ctx.request().getHeader(ConsoleSessions.CSRF_HEADER))) {
                    throw new GatewayException(ErrorType.PERMISSION, "A change made with the console session needs its "
                            + ConsoleSessions.CSRF_HEADER + " header.", null, "csrf_token_invalid");
                }
                return authentication.authenticate(session.credential());
            }
        }
        return authentication.authenticate(ctx.request().headers());
    }

    private void respond(RoutingContext ctx, Object result) {
        int status = 200;
        Object body = result;
        if (result instanceof AdminResponse response) {
            status = response.status();
            body = response.body();
        }
        if (body == null) {
            ctx.response().setStatusCode(status == 200 ? 204 : status).end();
            return;
        }
        if (body instanceof AdminResponse.Raw raw) {
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, raw.contentType())
                    .end(Buffer.buffer(raw.bytes()));
            return;
        }
        try {
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            ErrorWriter.write(ctx, e);
        }
    }

    private JsonNode parse(Buffer bytes) {
        if (bytes.length() == 0) {
            return null;
        }
        try {
            JsonNode node = json.readTree(bytes.getBytes());
            if (!node.isObject()) {
                throw GatewayException.invalid("The request body must be a JSON object.", null);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw GatewayException.invalid("The request body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> queryParams(RoutingContext ctx) {
        Map<String, String> params = new HashMap<>();
        ctx.queryParams().forEach(entry -> params.putIfAbsent(entry.getKey(), entry.getValue()));
        return params;
    }

    private static String clientAddress(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    }

    /** The ObjectMapper handlers should use for request bodies, so JSON handling is uniform. */
    public ObjectMapper json() {
        return json;
    }

    private byte[] openApiDocument() {
        ObjectNode doc = json.createObjectNode();
        doc.put("openapi", "3.1.0");
        doc.putObject("info").put("title", "Gatehouse admin API").put("version", "v1");
        doc.putArray("servers").addObject().put("url", PREFIX);
        ObjectNode schemes = doc.putObject("components").putObject("securitySchemes");
        schemes.putObject("bearer").put("type", "http").put("scheme", "bearer");
        doc.putArray("security").addObject().putArray("bearer");
        ObjectNode paths = doc.putObject("paths");
        for (Operation operation : operations) {
            String path = operation.path().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
            ObjectNode op = item.putObject(operation.method().name().toLowerCase(Locale.ROOT));
            op.put("summary", operation.summary());
            op.put("description", "Roles: " + String.join(", ", operation.access().roles()));
            ArrayNode parameters = op.putArray("parameters");
            Matcher m = Pattern.compile(":([A-Za-z0-9_]+)").matcher(operation.path());
            while (m.find()) {
                parameters.addObject().put("name", m.group(1)).put("in", "path").put("required", true)
                        .putObject("schema").put("type", "string");
            }
            if (operation.method() == HttpMethod.GET) {
                parameters.addObject().put("name", "limit").put("in", "query").putObject("schema").put("type", "integer");
                parameters.addObject().put("name", "cursor").put("in", "query").putObject("schema").put("type", "string");
            }
            ObjectNode responses = op.putObject("responses");
            responses.putObject("200").put("description", "OK");
            responses.putObject("401").put("description", "Missing or invalid credentials");
            responses.putObject("403").put("description", "Role not allowed");
        }
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

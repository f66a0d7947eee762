package dev.gatehouse.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.access.AuthenticateStage;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.http.BodyReader;
import dev.gatehouse.http.ErrorWriter;
import dev.gatehouse.web.ConsoleSessions;
import dev.gatehouse.web.PrincipalView;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The admin console: static pages under {@code /ui/} (plain HTML, CSS and ES modules from the
 * class path, uPlot from its WebJar) and the sign-in session at {@code /ui/session}. Everything
 * else the console does goes through the public admin API with the session cookie.
 *
 * <p>Every URL the pages use is relative, and the redirects here are relative too, so the console
 * works unchanged behind a reverse proxy that serves the gateway under any path prefix.
 */
public final class Console {
    public static final String PATH = "/ui/";
    /** The uPlot WebJar's version: keep in step with pom.xml. */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist";
    /**
     * No inline script or style, no framing, no plug-ins; API calls to this origin only. Values from
     * the API are set as text by the pages, and this policy is the second line should one slip.
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final long MAX_SIGN_IN_BODY = 16 * 1024;

    private final AuthenticateStage authentication;
    private final ConsoleSessions sessions;
    private final ObjectMapper json = new ObjectMapper();

    public Console(AuthenticateStage authentication, ConsoleSessions sessions) {
        this.authentication = authentication;
        this.sessions = sessions;
    }

    public void mount(Router router) {
        // Relative redirects: "/a/b/gw/" -> "/a/b/gw/ui/" behind a proxy, "/" -> "/ui/" without one.
        router.get("/").handler(ctx -> redirect(ctx, "ui/"));
        router.get("/ui").handler(ctx -> { // Vert.x matches "/ui/" here too: only the bare path is redirected
            if (ctx.request().path().endsWith("/")) {
                ctx.next();
            } else {
                redirect(ctx, "ui/");
            }
        });
        router.route("/ui/*").handler(Console::securityHeaders);
        router.post("/ui/session").handler(this::signIn);
        router.get("/ui/session").handler(this::current);
        router.delete("/ui/session").handler(this::signOut);
        router.get("/ui/vendor/uplot/*").handler(StaticHandler.create(UPLOT).setMaxAgeSeconds(86_400));
        router.get("/ui/*").handler(StaticHandler.create("ui").setIndexPage("index.html").setDefaultContentEncoding("UTF-8")
                .setMaxAgeSeconds(60));
    }

    private static void redirect(RoutingContext ctx, String location) {
        ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, location).end();
    }

    private static void securityHeaders(RoutingContext ctx) {
        ctx.response()
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer");
        ctx.next();
    }

    /** {@code {"key": "..."}}: opens a session for a master key, virtual key or SSO token. */
    private void signIn(RoutingContext ctx) {
        // JSON only: a cross-site form cannot send it without a CORS preflight, so no other site can
        // sign a visitor in under an account of its choosing.
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            ErrorWriter.write(ctx, new GatewayException(ErrorType.UNSUPPORTED_MEDIA_TYPE,
                    "Sign in with a JSON body like {\"key\": \"...\"} (Content-Type: application/json).", null, "unsupported_media_type"));
            return;
        }
        BodyReader.read(ctx.request(), MAX_SIGN_IN_BODY).onComplete(read -> {
            if (read.failed()) {
                ErrorWriter.write(ctx, read.cause());
                return;
            }
            try {
                String key = key(read.result());
                Principal principal = authentication.authenticate(key);
                ConsoleSessions.Opened opened = sessions.open(key);
                ctx.response().addCookie(Cookie.cookie(ConsoleSessions.COOKIE, opened.id())
                        .setHttpOnly(true)
                        .setSecure(secure(ctx.request()))
                        .setSameSite(CookieSameSite.STRICT)
                        .setPath("/")
                        .setMaxAge(sessions.ttl().toSeconds()));
                respond(ctx, 200, view(opened.session(), principal));
            } catch (GatewayException e) {
                ErrorWriter.write(ctx, e);
            }
        });
    }

    /** The signed-in user and the session's CSRF token (a reload of the page finds its session again). */
    private void current(RoutingContext ctx) {
        try {
            ConsoleSessions.Session session = session(ctx);
            respond(ctx, 200, view(session, authentication.authenticate(session.credential())));
        } catch (GatewayException e) {
            ErrorWriter.write(ctx, e);
        }
    }

    private void signOut(RoutingContext ctx) {
        try {
            ConsoleSessions.Session session = session(ctx);
            if (!ConsoleSessions.csrfMatches(session, ctx.request().getHeader(ConsoleSessions.CSRF_HEADER))) {
                throw new GatewayException(ErrorType.PERMISSION, "Signing out needs the session's "
                        + ConsoleSessions.CSRF_HEADER + " header.", null, "csrf_token_invalid");
            }
            sessions.close(ctx.request().getCookie(ConsoleSessions.COOKIE).getValue());
            ctx.response().addCookie(Cookie.cookie(ConsoleSessions.COOKIE, "").setHttpOnly(true)
                    .setSecure(secure(ctx.request())).setSameSite(CookieSameSite.STRICT).setPath("/").setMaxAge(0));
            ctx.response().setStatusCode(204).end();
        } catch (GatewayException e) {
            ErrorWriter.write(ctx, e);
        }
    }

    private ConsoleSessions.Session session(RoutingContext ctx) {
        Cookie cookie = ctx.request().getCookie(ConsoleSessions.COOKIE);
        ConsoleSessions.Session session = cookie == null ? null : sessions.find(cookie.getValue());
        if (session == null) {
            throw new GatewayException(ErrorType.AUTHENTICATION, "Not signed in.", null, "not_signed_in");
        }
        return session;
    }

    private String key(Buffer body) {
        JsonNode node;
        try {
            node = body.length() == 0 ? null : json.readTree(body.getBytes());
        } catch (IOException e) {
            throw GatewayException.invalid("The request body must be JSON like {\"key\": \"...\"}.", null);
        }
        JsonNode key = node == null || !node.isObject() ? null : node.get("key");
        if (key == null || !key.isTextual() || key.asText().isBlank()) {
            throw GatewayException.invalid("Enter the master key or a virtual key.", "key");
        }
        return key.asText().trim();
    }

    private static Map<String, Object> view(ConsoleSessions.Session session, Principal principal) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("csrf_token", session.csrf());
        out.put("expires_at", Instant.ofEpochMilli(session.expiresAtMillis()).toString());
        out.put("me", PrincipalView.of(principal));
        return out;
    }

    private void respond(RoutingContext ctx, int status, Object body) {
        try {
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                    .end(Buffer.buffer(json.writeValueAsBytes(body)));
        } catch (IOException e) {
            ErrorWriter.write(ctx, e);
        }
    }

    /** Secure when the browser reached us over TLS, directly or through a proxy that says so. */
    static boolean secure(HttpServerRequest request) {
        return request.isSSL() || "https".equalsIgnoreCase(request.getHeader("X-Forwarded-Proto"));
    }
}

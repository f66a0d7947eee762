package dev.gatehouse.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.testing.AdminClient;
import dev.gatehouse.testing.GatewayHarness;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWT bearer tokens from an OIDC identity provider: a local RSA key served as JWKS by a tiny HTTP server. */
class JwtGatewayTest {
    static final String ISSUER = "https://idp.example.com/";
    static HttpServer idp;
    static final List<RSAKey> published = new CopyOnWriteArrayList<>();
    static RSAKey signing;
    static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        signing = new RSAKeyGenerator(2048).keyID("k1").generate();
        published.add(signing);
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/jwks", exchange -> {
            byte[] body = new JWKSet(List.copyOf(published)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        idp.start();
        gateway = GatewayHarness.start(GatewayHarness.mockConfig() + """
                auth:
                  master-key: %s
                  oidc:
                    issuer: %s
                    audience: gatehouse
                    jwks-url: http://127.0.0.1:%d/jwks
                    jwks-min-refresh: 100ms
                    claims: {user: email, team: groups, roles: realm_access.roles}
                """.formatted(GatewayHarness.MASTER_KEY, ISSUER, idp.getAddress().getPort()));
        new AdminClient(gateway, GatewayHarness.MASTER_KEY).ok("POST", "/teams", "{\"name\":\"eng\"}");
        new AdminClient(gateway, GatewayHarness.MASTER_KEY).ok("POST", "/teams", "{\"name\":\"ops\"}");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        idp.stop(0);
    }

    static String token(RSAKey key, Consumer<JWTClaimsSet.Builder> tweak) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience("gatehouse").subject("u-123")
                .claim("email", "ana@example.com").claim("groups", List.of("eng"))
                .claim("realm_access", java.util.Map.of("roles", List.of("member")))
                .expirationTime(new Date(System.currentTimeMillis() + 300_000)).issueTime(new Date());
        tweak.accept(claims);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static void chat(String token) {
        OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl()).apiKey(token).timeout(Duration.ofSeconds(10)).maxRetries(0).build()
                .chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hi").build());
    }

    @Test
    void aValidTokenCallsModels() throws Exception {
        chat(token(signing, c -> {}));
    }

    @Test
    void wrongAudienceIsRefused() throws Exception {
        String token = token(signing, c -> c.audience("someone-else"));
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class).hasMessageContaining("aud claim");
    }

    @Test
    void wrongIssuerIsRefused() throws Exception {
        String token = token(signing, c -> c.issuer("https://evil.example.com/"));
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String token = token(signing, c -> c.expirationTime(new Date(System.currentTimeMillis() - 600_000)));
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class).hasMessageContaining("Expired JWT");
    }

    @Test
    void aTokenSignedByAnotherKeyWithAKnownKidIsRefused() throws Exception {
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("k1").generate();
        String token = token(impostor, c -> {});
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void anUnknownKidIsRefusedUntilTheProvidersKeysAreRefreshed() throws Exception {
        RSAKey rotated = new RSAKeyGenerator(2048).keyID("k2-" + System.nanoTime()).generate();
        String token = token(rotated, c -> {});
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class).hasMessageContaining("kid");
        // Still unknown to the provider: refused again, however often asked.
        Thread.sleep(300);
        assertThatThrownBy(() -> chat(token)).isInstanceOf(UnauthorizedException.class);
        // The provider publishes it: the refresh triggered by the unknown kid picks it up.
        published.add(rotated);
        boolean accepted = false;
        for (int i = 0; i < 40 && !accepted; i++) {
            try {
                chat(token);
                accepted = true;
            } catch (UnauthorizedException e) {
                Thread.sleep(100);
            }
        }
        assertThat(accepted).isTrue();
    }

    @Test
    void claimsMapToRolesAndTeamOnTheAdminApi() throws Exception {
        AdminClient member = new AdminClient(gateway, token(signing, c -> {}));
        AdminClient.Reply teams = member.ok("GET", "/teams", null);
        assertThat(teams.json().path("data")).hasSize(1);
        assertThat(teams.json().path("data").get(0).path("name").asText()).isEqualTo("eng");
        assertThat(member.post("/teams", "{\"name\":\"x\"}").status()).isEqualTo(403);

        AdminClient admin = new AdminClient(gateway, token(signing, c -> c.claim("realm_access",
                java.util.Map.of("roles", List.of("admin", "not-a-gatehouse-role")))));
        assertThat(admin.ok("GET", "/teams", null).json().path("data")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(admin.post("/teams", "{\"name\":\"sso-made\"}").status()).isEqualTo(201);
    }

    @Test
    void garbageBearerTokensAreRefusedCleanly() {
        AdminClient garbage = new AdminClient(gateway, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
        assertThat(garbage.get("/teams").status()).isEqualTo(401);
    }
}

package dev.gatehouse.fuzz;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.access.JwksCache;
import dev.gatehouse.access.JwtAuthenticator;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.OidcConfig;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.testing.Fuzz;
import dev.gatehouse.testing.Mutator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mutated bearer tokens, built from real signed ones: the string itself, its header and claims
 * (re-signed with the real key, so hostile claims reach the principal mapping, or left with the
 * old signature). The authenticator returns a principal, passes (not a JWT), or refuses with 401.
 */
class JwtFuzzTest {
    private static final String ISSUER = "https://idp.example.com/";
    static HttpServer idp;
    static JwksCache keys;
    static RSAKey rsa;
    static ECKey ec;
    static JwtAuthenticator authenticator;

    @BeforeAll
    static void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("k1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("k2").generate();
        byte[] jwks = new JWKSet(List.of(rsa, ec)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/jwks", exchange -> {
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        idp.start();
        URI url = URI.create("http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks");
        keys = new JwksCache(url, Duration.ofHours(1), Duration.ofHours(1)).start(Duration.ofSeconds(10));
        OidcConfig config = new OidcConfig(ISSUER, "gatehouse", url.toString(), "email", "groups", "realm_access.roles",
                Duration.ofHours(1), Duration.ofHours(1));
        authenticator = new JwtAuthenticator(config, keys, () -> Directory.EMPTY);
    }

    @AfterAll
    static void stop() {
        keys.close();
        idp.stop(0);
    }

    @Test
    void mutatedTokens() throws Exception {
        String[] valid = {token(rsa, JWSAlgorithm.RS256, new RSASSASigner(rsa)), token(ec, JWSAlgorithm.ES256, new ECDSASigner(ec))};
        assertThat(authenticator.authenticate(valid[0]) != null && authenticator.authenticate(valid[1]) != null);
        JWSSigner[] signers = {new RSASSASigner(rsa), new ECDSASigner(ec)};
        JWSHeader[] headers = {new JWSHeader(JWSAlgorithm.RS256), new JWSHeader(JWSAlgorithm.ES256)};
        Fuzz.run("JWT", Fuzz.tries(2), Duration.ofSeconds(5), c -> {
            int which = c.random().nextInt(2);
            String token = c.input(mutate(valid[which], signers[which], headers[which], c.random()));
            try {
                authenticator.authenticate(token);
            } catch (GatewayException e) {
                if (e.status() != 401) {
                    throw new AssertionError("refused with status " + e.status() + ": " + e.getMessage(), e);
                }
            }
        });
    }

    private static void assertThat(boolean ok) {
        if (!ok) {
            throw new AssertionError("the unmutated tokens must be accepted");
        }
    }

    static String mutate(String token, JWSSigner signer, JWSHeader signingHeader, Random r) throws Exception {
        String[] parts = token.split("\\.", -1);
        switch (r.nextInt(4)) {
            case 0 -> { // the token's characters
                return new String(Mutator.mutateBytes(token.getBytes(StandardCharsets.ISO_8859_1), r), StandardCharsets.ISO_8859_1);
            }
            case 1, 2 -> { // header or claims, re-signed so that the claims are read
                int part = r.nextInt(4) == 0 ? 0 : 1;
                byte[] json = Base64URL.from(parts[part]).decode();
                parts[part] = Base64URL.encode(Mutator.mutate(json, r)).toString();
                String input = parts[0] + "." + parts[1];
                if (r.nextInt(5) != 0) {
                    parts[2] = signer.sign(signingHeader, input.getBytes(StandardCharsets.US_ASCII)).toString();
                }
                return String.join(".", parts);
            }
            default -> { // a part swapped, dropped, repeated or emptied
                int i = r.nextInt(3);
                return switch (r.nextInt(4)) {
                    case 0 -> parts[0] + "." + parts[1] + ".";
                    case 1 -> parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2];
                    case 2 -> parts[0] + "." + parts[i] + "." + parts[2];
                    default -> parts[0] + "." + parts[1] + "." + parts[2].repeat(1 + r.nextInt(50));
                };
            }
        }
    }

    static String token(com.nimbusds.jose.jwk.JWK key, JWSAlgorithm alg, JWSSigner signer) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience("gatehouse").subject("u-123")
                .claim("email", "ana@example.com").claim("groups", List.of("eng"))
                .claim("realm_access", Map.of("roles", List.of("member", "admin")))
                .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).issueTime(new Date()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }
}

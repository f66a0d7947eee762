package dev.gatehouse.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.config.OidcConfig;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.Roles;
import dev.gatehouse.identity.Team;
import dev.gatehouse.identity.User;
import java.text.ParseException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Accepts JWT bearer tokens from the configured OIDC identity provider: signature checked
 * against the provider's keys held in memory ({@link JwksCache}), then issuer, audience, expiry
 * and not-before. The configured claims become the principal's user, team and roles, so the
 * same token works for model calls and for the admin API (SSO).
 *
 * <p>Roles come from the roles claim; without one, from the matching Gatehouse user; else member.
 */
public final class JwtAuthenticator implements Authenticator {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
            JWSAlgorithm.EdDSA);

    private final OidcConfig config;
    private final JwksCache keys;
    private final Supplier<Directory> directory;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public JwtAuthenticator(OidcConfig config, JwksCache keys, Supplier<Directory> directory) {
        this.config = config;
        this.keys = keys;
        this.directory = directory;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS,
                (selector, context) -> selector.select(keys.current())));
        // Access tokens are typed "JWT", "at+jwt" (RFC 9068) or not at all.
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", config.userClaim())));
    }

    /** Three base64url parts starting like a JSON header: anything else is left to other authenticators. */
    static boolean looksLikeJwt(String token) {
        if (!token.startsWith("eyJ")) {
            return false;
        }
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first && token.indexOf('.', token.indexOf('.', first + 1) + 1) < 0;
    }

    @Override
    public Principal authenticate(String token) {
        if (!looksLikeJwt(token)) {
            return null;
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw rejected("it is not a valid signed JWT");
        }
        String kid = jwt.getHeader().getKeyID();
        JWKSet known = keys.current();
        JWK key = kid != null ? known.getKeyByKeyId(kid) : known.getKeys().size() == 1 ? known.getKeys().getFirst() : null;
        if (key == null) {
            keys.refreshSoon();
            throw rejected("it is signed with a key the gateway does not know (kid '" + kid
                    + "'); if the identity provider rotated its keys, retry in a few seconds");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (BadJOSEException e) {
            throw rejected(e.getMessage());
        } catch (JOSEException e) {
            throw rejected("its signature cannot be checked (" + e.getMessage() + ")");
        }
        return principal(claims);
    }

    private Principal principal(JWTClaimsSet claims) {
        Directory d = directory.get();
        String subject = string(claim(claims, config.userClaim()));
        if (subject == null || subject.isBlank()) {
            throw rejected("the claim '" + config.userClaim() + "' naming the user is missing");
        }
        User user = d.user(subject);
        String teamClaim = string(claim(claims, config.teamClaim()));
        Team team = d.team(teamClaim);
        String teamId = team != null ? team.id() : user != null ? user.teamId() : null;
        Set<String> roles = roles(claim(claims, config.rolesClaim()));
        if (roles == null) {
            roles = user != null ? Set.of(user.role()) : Set.of(Roles.MEMBER);
        }
        String userId = user != null ? user.id() : subject;
        return new Principal("jwt:" + subject, "jwt", null, userId, teamId, roles, d.rulesFor(null, userId, teamId));
    }

    /** The known roles in the claim (a list, or a space- or comma-separated string); null when the claim is absent. */
    static Set<String> roles(Object claim) {
        if (claim == null) {
            return null;
        }
        Set<String> roles = new LinkedHashSet<>();
        if (claim instanceof Collection<?> list) {
            list.forEach(r -> roles.add(String.valueOf(r)));
        } else {
            for (String r : claim.toString().split("[\\s,]+")) {
                roles.add(r);
            }
        }
        roles.retainAll(Roles.ALL);
        return Set.copyOf(roles);
    }

    /** A claim by name, or by dotted path into nested objects (e.g. {@code realm_access.roles}). */
    static Object claim(JWTClaimsSet claims, String path) {
        Object direct = claims.getClaim(path);
        if (direct != null || !path.contains(".")) {
            return direct;
        }
        Object node = claims.getClaims();
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node;
    }

    private static String string(Object value) {
        return value == null ? null : value instanceof Collection<?> c ? (c.isEmpty() ? null : String.valueOf(c.iterator().next()))
                : value.toString();
    }

    private static GatewayException rejected(String why) {
        return new GatewayException(ErrorType.AUTHENTICATION, "The bearer token was rejected: " + why + ".", null, "invalid_token");
    }
}

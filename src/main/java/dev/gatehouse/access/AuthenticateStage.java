package dev.gatehouse.access;

import dev.gatehouse.access.Authenticator;
import dev.gatehouse.access.CredentialExtractor;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.call.Stage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Supplier;

/**
 * Establishes who is calling. Authenticators are asked in order (master key, virtual keys,
 * JWTs) and the first that recognises the token wins.
 */
public final class AuthenticateStage implements Stage {
    private final Supplier<List<Authenticator>> authenticators;
    private final FailedAuthentications failures;

    /** A supplier, so a config reload or key change swaps the list without rebuilding stages. */
    public AuthenticateStage(Supplier<List<Authenticator>> authenticators) {
        this(authenticators, null);
    }

    /** @param failures slows and refuses repeated failures per client address (null: none) */
    public AuthenticateStage(Supplier<List<Authenticator>> authenticators, FailedAuthentications failures) {
        this.authenticators = authenticators;
        this.failures = failures;
    }

    @Override
    public Future<Void> apply(Call call) {
        try {
            call.principal(authenticate(call.headers()));
            return Future.succeededFuture();
        } catch (GatewayException e) {
            // A missing key is not a guess; anything else the authenticators refused counts.
            if (failures == null || e.type() != ErrorType.AUTHENTICATION || "missing_api_key".equals(e.code())) {
                throw e;
            }
            FailedAuthentications.Verdict verdict = failures.failed(call.clientAddress(), e);
            if (verdict.delayMillis() <= 0 || Vertx.currentContext() == null) {
                return Future.failedFuture(verdict.error());
            }
            // The 401 is answered later, on a timer: nothing waits on the event loop meanwhile.
            Promise<Void> later = Promise.promise();
            Vertx.currentContext().owner().setTimer(verdict.delayMillis(), t -> later.fail(verdict.error()));
            return later.future();
        }
    }

    /** The caller's principal, or a 401 that says what was wrong. */
    public Principal authenticate(MultiMap headers) {
        String token = CredentialExtractor.token(headers);
        if (token == null) {
            throw new GatewayException(ErrorType.AUTHENTICATION,
                    "Missing API key. Send it as 'Authorization: Bearer <key>' (or 'x-api-key: <key>').",
                    null, "missing_api_key");
        }
        return authenticate(token);
    }

    /** The principal a presented credential belongs to (e.g. the one a console session holds), or a 401. */
    public Principal authenticate(String token) {
        for (Authenticator authenticator : authenticators.get()) {
            Principal principal = authenticator.authenticate(token);
            if (principal != null) {
                return principal;
            }
        }
        throw new GatewayException(ErrorType.AUTHENTICATION,
                "Invalid API key " + masked(token) + ". Check the key you are sending.", null, "invalid_api_key");
    }

    /** Enough of the key to recognise it in a message, never enough to use it. */
    static String masked(String token) {
        if (token.length() <= 8) {
            return "'****'";
        }
        return "'" + token.substring(0, 4) + "****" + token.substring(token.length() - 4) + "'";
    }
}

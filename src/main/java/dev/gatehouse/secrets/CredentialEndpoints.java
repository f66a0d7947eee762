package dev.gatehouse.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminPage;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.AuditSink;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code /admin/v1/teams/:teamId/credentials}: a team's own provider keys (BYOK). Keys go in
 * once and come out only masked ({@code sk-…abcd}); every change is audited with the masked form.
 * {@code POST /admin/v1/credentials/reencrypt} moves every credential to the current master key.
 */
public final class CredentialEndpoints implements AdminEndpoints {
    private static final int MAX_KEY_LENGTH = 4096;

    private final CredentialStore store;
    private final TeamCredentials registry;
    private final AuditSink audit;
    private final Function<String, Provider> providers;
    private final Predicate<String> otherNames;

    /** @param providers the currently configured provider by name, or null */
    public CredentialEndpoints(CredentialStore store, TeamCredentials registry, AuditSink audit,
            Function<String, Provider> providers) {
        this(store, registry, audit, providers, name -> false);
    }

    /**
     * @param otherNames further credential names a team may store a key under (the {@code credential}
     *                   of configured MCP servers), besides the providers
     */
    public CredentialEndpoints(CredentialStore store, TeamCredentials registry, AuditSink audit,
            Function<String, Provider> providers, Predicate<String> otherNames) {
        this.store = store;
        this.registry = registry;
        this.audit = audit;
        this.providers = providers;
        this.otherNames = otherNames;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.post("/teams/:teamId/credentials", "Register a team provider credential", Access.TEAM_WRITE, this::create);
        routes.get("/teams/:teamId/credentials", "List a team's provider credentials", Access.TEAM_READ, this::list);
        routes.post("/teams/:teamId/credentials/:credentialId/rotate", "Replace a team provider credential's key",
                Access.TEAM_WRITE, this::rotate);
        routes.delete("/teams/:teamId/credentials/:credentialId", "Delete a team provider credential",
                Access.TEAM_WRITE, this::delete);
        routes.post("/credentials/reencrypt", "Re-encrypt all provider credentials under the current master key",
                Access.ADMIN, this::reencrypt);
    }

    private Object create(AdminRequest request) {
        String teamId = request.path("teamId");
        request.requireTeam(teamId, true);
        String providerName = text(request.body(), "provider");
        String apiKey = apiKey(request.body());
        Provider provider = providers.apply(providerName);
        if (provider == null && !otherNames.test(providerName)) {
            throw GatewayException.invalid("No configured provider named '" + providerName + "'.", "provider");
        }
        try {
            if (provider != null) {
                provider.withApiKey("probe");
            }
        } catch (UnsupportedOperationException e) {
            throw GatewayException.invalid("Provider '" + providerName + "' does not accept per-team keys.", "provider");
        }
        String envelope = encrypt(apiKey, teamId, providerName);
        long now = System.currentTimeMillis();
        StoredCredential row = new StoredCredential("cred_" + UUID.randomUUID().toString().replace("-", ""), teamId,
                providerName, envelope, SecretCipher.keyIdOf(envelope), Masking.mask(apiKey),
                request.principal().id(), now, now);
        if (!store.insert(row)) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, "Team '" + teamId + "' already has a credential for provider '"
                    + providerName + "': rotate or delete it.", "provider", "conflict", null, 409);
        }
        registry.refresh();
        Map<String, Object> view = view(row);
        audit.record(request, "credential.create", "provider_credential", row.id(), null, view);
        return AdminResponse.created(view);
    }

    private Object list(AdminRequest request) {
        String teamId = request.path("teamId");
        request.requireTeam(teamId, false);
        return new AdminPage<>(store.forTeam(teamId).stream().map(CredentialEndpoints::view).toList(), null);
    }

    private Object rotate(AdminRequest request) {
        String teamId = request.path("teamId");
        request.requireTeam(teamId, true);
        StoredCredential old = existing(teamId, request.path("credentialId"));
        String apiKey = apiKey(request.body());
        String envelope = encrypt(apiKey, teamId, old.provider());
        long now = System.currentTimeMillis();
        if (!store.replaceSecret(old.id(), old.ciphertext(), envelope, SecretCipher.keyIdOf(envelope),
                Masking.mask(apiKey), now)) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, "The credential changed meanwhile; try again.", null,
                    "conflict", null, 409);
        }
        registry.refresh();
        StoredCredential updated = new StoredCredential(old.id(), teamId, old.provider(), envelope,
                SecretCipher.keyIdOf(envelope), Masking.mask(apiKey), old.createdBy(), old.createdAt(), now);
        Map<String, Object> view = view(updated);
        audit.record(request, "credential.rotate", "provider_credential", old.id(), view(old), view);
        return view;
    }

    private Object delete(AdminRequest request) {
        String teamId = request.path("teamId");
        request.requireTeam(teamId, true);
        StoredCredential old = existing(teamId, request.path("credentialId"));
        if (!store.delete(teamId, old.id())) {
            throw notFound(old.id());
        }
        registry.refresh();
        audit.record(request, "credential.delete", "provider_credential", old.id(), view(old), null);
        return AdminResponse.noContent();
    }

    private Object reencrypt(AdminRequest request) {
        TeamCredentials.Reencryption result;
        try {
            result = registry.reencryptAll();
        } catch (SecretException e) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, e.getMessage(), null, "no_encryption_key", null, 409);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("current_key_id", result.currentKeyId());
        view.put("reencrypted", result.reencrypted());
        view.put("already_current", result.alreadyCurrent());
        view.put("failed", result.failed());
        audit.record(request, "credentials.reencrypt", "provider_credential", null, null, view);
        return view;
    }

    private String encrypt(String apiKey, String teamId, String provider) {
        SecretCipher cipher = registry.cipher();
        if (!cipher.configured()) {
            throw new GatewayException(ErrorType.INVALID_REQUEST, "This gateway has no encryption key, so it cannot store "
                    + "provider credentials: set " + SecretCipher.ENV + " and restart.", null, "no_encryption_key", null, 409);
        }
        return cipher.encrypt(apiKey, StoredCredential.aad(teamId, provider));
    }

    private StoredCredential existing(String teamId, String id) {
        return store.find(teamId, id).orElseThrow(() -> notFound(id));
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(ErrorType.NOT_FOUND, "No such credential: " + id, null, "not_found");
    }

    /** What the API and the audit trail show: never the key, only its hint. */
    static Map<String, Object> view(StoredCredential row) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", row.id());
        view.put("team_id", row.teamId());
        view.put("provider", row.provider());
        view.put("api_key", row.keyHint());
        view.put("encryption_key_id", row.keyId());
        view.put("created_by", row.createdBy());
        view.put("created_at", row.createdAt());
        view.put("updated_at", row.updatedAt());
        return view;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw GatewayException.invalid("'" + field + "' is required (a string).", field);
        }
        return value.asText().strip();
    }

    private static String apiKey(JsonNode body) {
        JsonNode value = body.get("api_key");
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw GatewayException.invalid("'api_key' is required (a string).", "api_key");
        }
        String key = value.asText().strip();
        if (key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(ch -> ch < 0x21 || ch > 0x7e)) {
            // A header value: printable ASCII without spaces. The message never echoes the key.
            throw GatewayException.invalid("'api_key' must be printable ASCII without spaces, at most "
                    + MAX_KEY_LENGTH + " characters.", "api_key");
        }
        return key;
    }
}

package dev.gatehouse.admin;

import dev.gatehouse.identity.AccessPolicy;
import dev.gatehouse.identity.Attachment;
import dev.gatehouse.identity.Team;
import dev.gatehouse.identity.User;
import dev.gatehouse.identity.VirtualKey;
import dev.gatehouse.web.AdminPage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The JSON shapes of identity objects in the admin API (snake_case, times as ISO-8601). Never a secret. */
final class IdentityViews {
    private IdentityViews() {}

    static Map<String, Object> team(Team t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("created_at", time(t.createdAt()));
        m.put("updated_at", time(t.updatedAt()));
        return m;
    }

    static Map<String, Object> user(User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("kind", u.kind());
        m.put("name", u.name());
        m.put("email", u.email());
        m.put("team_id", u.teamId());
        m.put("role", u.role());
        m.put("created_at", time(u.createdAt()));
        m.put("updated_at", time(u.updatedAt()));
        return m;
    }

    static Map<String, Object> key(VirtualKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("name", k.name());
        m.put("display_prefix", k.displayPrefix());
        m.put("owner_type", k.ownerType());
        m.put("owner_id", k.ownerId());
        m.put("team_id", k.teamId());
        m.put("status", k.status(System.currentTimeMillis()));
        m.put("expires_at", time(k.expiresAt()));
        m.put("revoked_at", time(k.revokedAt()));
        m.put("rotated_to", k.rotatedTo());
        m.put("last_used_at", time(k.lastUsedAt()));
        m.put("created_at", time(k.createdAt()));
        return m;
    }

    static Map<String, Object> policy(AccessPolicy p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("team_id", p.teamId());
        m.put("models", p.models());
        m.put("providers", p.providers());
        m.put("endpoints", p.endpoints());
        m.put("max_tokens", p.maxTokens());
        m.put("mcp_servers", p.mcpServers());
        m.put("mcp_tools", p.mcpTools());
        m.put("vector_stores", p.vectorStores());
        m.put("created_at", time(p.createdAt()));
        m.put("updated_at", time(p.updatedAt()));
        return m;
    }

    static Map<String, Object> attachment(Attachment a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy_id", a.policyId());
        m.put("subject_type", a.subjectType());
        m.put("subject_id", a.subjectId());
        m.put("created_at", time(a.createdAt()));
        return m;
    }

    static <T> AdminPage<Map<String, Object>> page(List<T> items, String next, Function<T, Map<String, Object>> view) {
        return new AdminPage<>(items.stream().map(view).toList(), next);
    }

    static String time(Long epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(epochMillis).toString();
    }
}

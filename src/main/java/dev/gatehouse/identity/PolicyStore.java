package dev.gatehouse.identity;

import dev.gatehouse.store.Page;

import dev.gatehouse.store.Sql;

import dev.gatehouse.store.Database;
import dev.gatehouse.store.SqlWork;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Access policies and their attachments to keys, users and teams, in SQL. Methods block. */
public final class PolicyStore {
    private final Database db;

    public PolicyStore(Database db) {
        this.db = db;
    }

    public AccessPolicy create(String name, String teamId, List<String> models, List<String> providers, List<String> endpoints,
            Integer maxTokens) {
        return create(name, teamId, models, providers, endpoints, maxTokens, List.of(), List.of());
    }

    public AccessPolicy create(String name, String teamId, List<String> models, List<String> providers, List<String> endpoints,
            Integer maxTokens, List<String> mcpServers, List<String> mcpTools) {
        return create(name, teamId, models, providers, endpoints, maxTokens, mcpServers, mcpTools, List.of());
    }

    public AccessPolicy create(String name, String teamId, List<String> models, List<String> providers, List<String> endpoints,
            Integer maxTokens, List<String> mcpServers, List<String> mcpTools, List<String> vectorStores) {
        long now = System.currentTimeMillis();
        AccessPolicy policy = new AccessPolicy(Ids.next("pol"), name, teamId, models, providers, endpoints, maxTokens,
                mcpServers, mcpTools, vectorStores, now, now);
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            Sql.update(c, "INSERT INTO access_policies (id, name, team_id, models, providers, endpoints, max_tokens, mcp_servers,"
                            + " mcp_tools, vector_stores, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", policy.id(),
                    name, teamId, IdentitySql.joinList(models), IdentitySql.joinList(providers), IdentitySql.joinList(endpoints),
                    Sql.nullableInt(maxTokens), IdentitySql.joinList(policy.mcpServers()), IdentitySql.joinList(policy.mcpTools()),
                    IdentitySql.joinList(policy.vectorStores()), now, now);
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return policy;
        })), "A policy named '" + name + "' in " + (teamId == null ? "the organisation-wide policies" : "this team"));
    }

    public Optional<AccessPolicy> get(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT * FROM access_policies WHERE id = ?", PolicyStore::map, id)));
    }

    /**
     * A policy by name as the organisation-wide view sees it (names are unique per team, not
     * across teams): the organisation-wide policy of that name, else the one team policy of that
     * name; empty when there is none, and a {@link ConflictException} when several teams use it.
     */
    public Optional<AccessPolicy> byName(String name) {
        List<AccessPolicy> named = db.call(c -> Sql.query(c, "SELECT * FROM access_policies WHERE name = ?"
                + " ORDER BY CASE WHEN team_id IS NULL THEN 0 ELSE 1 END, id", PolicyStore::map, name));
        if (named.isEmpty()) {
            return Optional.empty();
        }
        if (named.get(0).teamId() == null || named.size() == 1) {
            return Optional.of(named.get(0));
        }
        throw new ConflictException("Several teams have a policy named '" + name + "': give its id");
    }

    /**
     * A policy by name as {@code teamId} sees it: its own policy of that name, else the
     * organisation-wide one. With a null team, only organisation-wide policies.
     */
    public Optional<AccessPolicy> byName(String teamId, String name) {
        return Optional.ofNullable(db.call(c -> teamId == null
                ? Sql.one(c, "SELECT * FROM access_policies WHERE name = ? AND team_id IS NULL", PolicyStore::map, name)
                : Sql.one(c, "SELECT * FROM access_policies WHERE name = ? AND (team_id = ? OR team_id IS NULL)"
                        + " ORDER BY CASE WHEN team_id IS NULL THEN 1 ELSE 0 END", PolicyStore::map, name, teamId)));
    }

    /** @param teamId only this team's policies and the organisation-wide ones, or null for all */
    public Page<AccessPolicy> list(String teamId, int limit, String cursor) {
        String where = teamId == null ? "1=1" : "(team_id = ? OR team_id IS NULL)";
        List<Object> params = teamId == null ? List.of() : List.of(teamId);
        return db.call(c -> Sql.page(c, "access_policies", where, params, limit, cursor, PolicyStore::map, AccessPolicy::id));
    }

    public List<AccessPolicy> all() {
        return db.call(c -> Sql.query(c, "SELECT * FROM access_policies ORDER BY id", PolicyStore::map));
    }

    public Optional<AccessPolicy> update(AccessPolicy changed) {
        long now = System.currentTimeMillis();
        return IdentitySql.unique(() -> db.call(SqlWork.inTransaction(c -> {
            int n = Sql.update(c, "UPDATE access_policies SET name = ?, models = ?, providers = ?, endpoints = ?, max_tokens = ?,"
                            + " mcp_servers = ?, mcp_tools = ?, vector_stores = ?, updated_at = ? WHERE id = ?", changed.name(),
                    IdentitySql.joinList(changed.models()), IdentitySql.joinList(changed.providers()),
                    IdentitySql.joinList(changed.endpoints()), Sql.nullableInt(changed.maxTokens()),
                    IdentitySql.joinList(changed.mcpServers()), IdentitySql.joinList(changed.mcpTools()),
                    IdentitySql.joinList(changed.vectorStores()), now, changed.id());
            if (n == 0) {
                return Optional.<AccessPolicy>empty();
            }
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return Optional.ofNullable(Sql.one(c, "SELECT * FROM access_policies WHERE id = ?", PolicyStore::map, changed.id()));
        })), "A policy named '" + changed.name() + "' in " + (changed.teamId() == null ? "the organisation-wide policies" : "this team"));
    }

    /** Deletes the policy and its attachments. */
    public boolean delete(String id) {
        return db.call(SqlWork.inTransaction(c -> {
            Sql.update(c, "DELETE FROM policy_attachments WHERE policy_id = ?", id);
            int n = Sql.update(c, "DELETE FROM access_policies WHERE id = ?", id);
            IdentitySql.bump(c, IdentitySql.DIRECTORY);
            return n > 0;
        }));
    }

    /** Attaches (idempotent). @return false when it was already attached */
    public boolean attach(String policyId, String subjectType, String subjectId) {
        long now = System.currentTimeMillis();
        return db.call(SqlWork.inTransaction(c -> {
            int n = Sql.update(c, "INSERT INTO policy_attachments (policy_id, subject_type, subject_id, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (policy_id, subject_type, subject_id) DO NOTHING", policyId, subjectType, subjectId, now);
            if (n > 0) {
                IdentitySql.bump(c, IdentitySql.DIRECTORY);
            }
            return n > 0;
        }));
    }

    public boolean detach(String policyId, String subjectType, String subjectId) {
        return db.call(SqlWork.inTransaction(c -> {
            int n = Sql.update(c, "DELETE FROM policy_attachments WHERE policy_id = ? AND subject_type = ? AND subject_id = ?",
                    policyId, subjectType, subjectId);
            if (n > 0) {
                IdentitySql.bump(c, IdentitySql.DIRECTORY);
            }
            return n > 0;
        }));
    }

    public List<Attachment> attachments(String policyId) {
        return db.call(c -> Sql.query(c, "SELECT * FROM policy_attachments WHERE policy_id = ? ORDER BY subject_type, subject_id",
                PolicyStore::mapAttachment, policyId));
    }

    /** Policies attached to one subject. */
    public List<AccessPolicy> attachedTo(String subjectType, String subjectId) {
        return db.call(c -> Sql.query(c, "SELECT p.* FROM access_policies p JOIN policy_attachments a ON a.policy_id = p.id"
                + " WHERE a.subject_type = ? AND a.subject_id = ? ORDER BY p.name", PolicyStore::map, subjectType, subjectId));
    }

    public List<Attachment> allAttachments() {
        return db.call(c -> Sql.query(c, "SELECT * FROM policy_attachments ORDER BY policy_id", PolicyStore::mapAttachment));
    }

    static AccessPolicy map(ResultSet rs) throws SQLException {
        return new AccessPolicy(rs.getString("id"), rs.getString("name"), rs.getString("team_id"), IdentitySql.splitList(rs.getString("models")),
                IdentitySql.splitList(rs.getString("providers")), IdentitySql.splitList(rs.getString("endpoints")), Sql.nullableInt(rs, "max_tokens"),
                IdentitySql.splitList(rs.getString("mcp_servers")), IdentitySql.splitList(rs.getString("mcp_tools")),
                IdentitySql.splitList(rs.getString("vector_stores")), rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    static Attachment mapAttachment(ResultSet rs) throws SQLException {
        return new Attachment(rs.getString("policy_id"), rs.getString("subject_type"), rs.getString("subject_id"),
                rs.getLong("created_at"));
    }
}

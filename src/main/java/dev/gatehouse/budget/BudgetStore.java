package dev.gatehouse.budget;

import dev.gatehouse.limits.Scope;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import dev.gatehouse.store.Sql;
import dev.gatehouse.store.SqlWork;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Optional;

/**
 * Budgets and their per-period spend in SQL (same statements on SQLite and PostgreSQL). Methods
 * block: call them from admin handlers (virtual threads), at start, or from the spend writer.
 */
public final class BudgetStore {
    private static final String COLUMNS = "id, name, scope, subject, team_id, period, limit_micros, created_at, updated_at";
    // Spend only grows within a period; the WHERE keeps a late, smaller write from another node from winning.
    private static final String UPSERT_SPEND = "INSERT INTO budget_spend (budget_id, period_start, spent_micros, alerted_percent, updated_at)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_micros = excluded.spent_micros,"
            + " alerted_percent = excluded.alerted_percent, updated_at = excluded.updated_at"
            + " WHERE budget_spend.spent_micros <= excluded.spent_micros";

    /** One period's persisted spend. */
    public record Spend(String budgetId, long periodStart, long spent, int alertedPercent) {}

    private final Database db;

    public BudgetStore(Database db) {
        this.db = db;
    }

    public void insert(Budget b) {
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO budgets (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(ps, b);
                return ps.executeUpdate();
            }
        });
    }

    /** @return false when no such budget */
    public boolean update(Budget b) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE budgets SET name = ?, period = ?, limit_micros = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, b.name());
                ps.setString(2, b.period().wire());
                ps.setLong(3, b.limitMicros());
                ps.setLong(4, b.updatedAt());
                ps.setString(5, b.id());
                return ps.executeUpdate() == 1;
            }
        });
    }

    public boolean delete(String id) {
        return db.call(SqlWork.inTransaction(c -> {
            try (PreparedStatement spend = c.prepareStatement("DELETE FROM budget_spend WHERE budget_id = ?");
                    PreparedStatement ps = c.prepareStatement("DELETE FROM budgets WHERE id = ?")) {
                spend.setString(1, id);
                spend.executeUpdate();
                ps.setString(1, id);
                return ps.executeUpdate() == 1;
            }
        }));
    }

    public Optional<Budget> find(String id) {
        return Optional.ofNullable(db.call(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM budgets WHERE id = ?", BudgetStore::read, id)));
    }

    /** Every budget (the hot path keeps them all in memory; there are few). */
    public List<Budget> all() {
        return db.call(c -> Sql.query(c, "SELECT " + COLUMNS + " FROM budgets ORDER BY id", BudgetStore::read));
    }

    /** A page ordered by id; {@code teamId} null for all teams, {@code cursor} the last id of the previous page. */
    public Page<Budget> page(String teamId, String cursor, int limit) {
        return db.call(c -> teamId == null
                ? Sql.page(c, "budgets", "1 = 1", List.of(), limit, cursor, BudgetStore::read, Budget::id)
                : Sql.page(c, "budgets", "team_id = ?", List.of(teamId), limit, cursor, BudgetStore::read, Budget::id));
    }

    /** Writes many spends in one transaction (the batched, asynchronous persistence of the ledger). */
    public void saveSpend(List<Spend> spends) {
        if (spends.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        db.call(SqlWork.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(UPSERT_SPEND)) {
                for (Spend s : spends) {
                    ps.setString(1, s.budgetId());
                    ps.setLong(2, s.periodStart());
                    ps.setLong(3, s.spent());
                    ps.setInt(4, s.alertedPercent());
                    ps.setLong(5, now);
                    ps.addBatch();
                }
                ps.executeBatch();
                return null;
            }
        }));
    }

    public Optional<Spend> spend(String budgetId, long periodStart) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT spent_micros, alerted_percent FROM budget_spend WHERE budget_id = ? AND period_start = ?")) {
                ps.setString(1, budgetId);
                ps.setLong(2, periodStart);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Spend(budgetId, periodStart, rs.getLong(1), rs.getInt(2))) : Optional.empty();
                }
            }
        });
    }

    private static void bind(PreparedStatement ps, Budget b) throws SQLException {
        ps.setString(1, b.id());
        ps.setString(2, b.name());
        ps.setString(3, b.scope().wire());
        if (b.subject() == null) {
            ps.setNull(4, Types.VARCHAR);
        } else {
            ps.setString(4, b.subject());
        }
        if (b.teamId() == null) {
            ps.setNull(5, Types.VARCHAR);
        } else {
            ps.setString(5, b.teamId());
        }
        ps.setString(6, b.period().wire());
        ps.setLong(7, b.limitMicros());
        ps.setLong(8, b.createdAt());
        ps.setLong(9, b.updatedAt());
    }

    private static Budget read(ResultSet rs) throws SQLException {
        return new Budget(rs.getString("id"), rs.getString("name"), Scope.parse(rs.getString("scope"), Scope.BUDGETS), rs.getString("subject"),
                rs.getString("team_id"), Period.parse(rs.getString("period")), rs.getLong("limit_micros"), rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }
}

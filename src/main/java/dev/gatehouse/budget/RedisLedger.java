package dev.gatehouse.budget;

import dev.gatehouse.config.BudgetsConfig;
import dev.gatehouse.limits.Scope;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ledger shared by several nodes: one Redis hash per budget and period ({@code spent},
 * {@code reserved}, {@code alerted}) and the leases of its open reservations, changed only by Lua
 * scripts. Redis runs a script as one
 * atomic step, so the check across <em>all</em> budgets of a call and the reservation on all of
 * them cannot interleave with another node's. On one server (or Sentinel) every key has the hash
 * tag {@code {gh-budgets}}: one script reserves on all of a call's budgets. On a Redis Cluster
 * ({@code cluster} true) a budget's keys are tagged by its team ({@code {gh-budgets:team:<id>}},
 * {@code {gh-budgets:org}} for the organisation's budget), so different teams' budgets live on
 * different masters; a call whose budgets span several tags (an organisation budget and a team
 * budget) runs one script per tag, and when one refuses, the reservations the others made are
 * released: never more than a limit, at worst a call refused while a concurrent one that was
 * refused itself held a few microseconds of budget. Amounts are integers (HINCRBY); Lua compares
 * them as doubles, exact below 2^53 micro-USD (9 billion USD).
 *
 * <p>Every call is asynchronous (Lettuce futures); nothing here blocks a thread.
 */
public final class RedisLedger implements BudgetLedger {
    private static final Logger LOG = LoggerFactory.getLogger(RedisLedger.class);
    private static final long GRACE_SECONDS = 2 * 86_400; // keep a finished period's hash around a little

    // Each reservation also has a lease: a member "<id>:<amount>" of the sorted set <hash>:leases,
    // scored with its expiry (Redis server time, ms, so nodes' clocks do not matter). Expired
    // leases are released before any check or read: a node killed mid-call (no settlement ever
    // comes) holds budget back for at most the lease, not until the period ends.
    private static final String RELEASE_EXPIRED = """
            local function release_expired(key, now)
              local lk = key .. ':leases'
              local expired = redis.call('ZRANGEBYSCORE', lk, '-inf', now)
              if #expired == 0 then return end
              local total = 0
              for _, member in ipairs(expired) do
                total = total + tonumber(string.match(member, ':(%d+)$'))
              end
              redis.call('ZREMRANGEBYSCORE', lk, '-inf', now)
              local r = redis.call('HINCRBY', key, 'reserved', -total)
              if r < 0 then redis.call('HSET', key, 'reserved', 0) end
            end
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            """;

    // KEYS: one hash per budget. ARGV: amount, lease id, lease ms, then per budget: limit, ttl seconds (0 = none).
    // Returns {1, used...} (spent + reserved of each budget before this reservation) when reserved
    // on all, else {0, index, spent, reserved} of the first that refused.
    private static final String RESERVE = RELEASE_EXPIRED + """
            local amount = tonumber(ARGV[1])
            local now = now_ms()
            local used = {1}
            for i = 1, #KEYS do
              release_expired(KEYS[i], now)
              local spent = tonumber(redis.call('HGET', KEYS[i], 'spent') or '0')
              local reserved = tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
              if spent + reserved + amount > tonumber(ARGV[2 + 2 * i]) then
                return {0, i, spent, reserved}
              end
              used[i + 1] = spent + reserved
            end
            local member = ARGV[2] .. ':' .. ARGV[1]
            local expiry = now + tonumber(ARGV[3])
            for i = 1, #KEYS do
              redis.call('HINCRBY', KEYS[i], 'reserved', amount)
              redis.call('ZADD', KEYS[i] .. ':leases', expiry, member)
              local ttl = tonumber(ARGV[3 + 2 * i])
              if ttl > 0 then
                redis.call('EXPIRE', KEYS[i], ttl)
                redis.call('EXPIRE', KEYS[i] .. ':leases', ttl)
              end
            end
            return used
            """;

    // KEYS[1]: hash. Returns {spent, reserved} after releasing expired leases.
    private static final String BALANCE = RELEASE_EXPIRED + """
            release_expired(KEYS[1], now_ms())
            return {tonumber(redis.call('HGET', KEYS[1], 'spent') or '0'), tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')}
            """;

    // KEYS: per budget the hash it was reserved in, then the hash of the current period.
    // ARGV: reserved amount, actual cost, lease member ('' for none), then per budget: limit, ttl; then the thresholds.
    // Returns per budget {spent, previously alerted, newly alerted (0 if none)}. A reservation whose
    // lease already expired was released then: only its cost is added now.
    private static final String SETTLE = """
            local amount = tonumber(ARGV[1])
            local actual = tonumber(ARGV[2])
            local member = ARGV[3]
            local n = #KEYS / 2
            local out = {}
            for i = 1, n do
              local rk = KEYS[2 * i - 1]
              local ck = KEYS[2 * i]
              local held = amount > 0
              if held and member ~= '' then
                held = redis.call('ZREM', rk .. ':leases', member) == 1
              end
              if held then
                local r = redis.call('HINCRBY', rk, 'reserved', -amount)
                if r < 0 then redis.call('HSET', rk, 'reserved', 0) end
              end
              local spent = redis.call('HINCRBY', ck, 'spent', actual)
              local limit = tonumber(ARGV[2 + 2 * i])
              local ttl = tonumber(ARGV[3 + 2 * i])
              if ttl > 0 then redis.call('EXPIRE', ck, ttl) end
              local alerted = tonumber(redis.call('HGET', ck, 'alerted') or '0')
              local crossed = 0
              for j = 4 + 2 * n, #ARGV do
                local t = tonumber(ARGV[j])
                if t > alerted and limit > 0 and spent * 100 >= t * limit then crossed = t end
              end
              if crossed > 0 then redis.call('HSET', ck, 'alerted', crossed) end
              out[i] = {spent, alerted, crossed}
            end
            return out
            """;

    // KEYS[1]: hash. ARGV: spent, alerted, ttl. Sets only when the node has no value yet.
    private static final String SEED = """
            if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 then
              redis.call('HSET', KEYS[1], 'alerted', ARGV[2])
              if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
            end
            return 1
            """;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final boolean cluster;
    private final LongSupplier clock;
    private final List<Integer> thresholds;
    private final LedgerEvents events;
    private final String prefix;
    private final long leaseMillis;
    /** Per budget id, what Redis last said was used (spent + reserved) in a period: the base of a local share. */
    private final ConcurrentHashMap<String, Seen> lastSeen = new ConcurrentHashMap<>();

    private record Seen(long periodStart, long used) {}

    public RedisLedger(RedisClusterAsyncCommands<String, String> redis, String prefix, LongSupplier clock, List<Integer> thresholds,
            LedgerEvents events) {
        this(redis, prefix, clock, thresholds, events, BudgetsConfig.DEFAULT_RESERVATION_LEASE, false);
    }

    public RedisLedger(RedisClusterAsyncCommands<String, String> redis, String prefix, LongSupplier clock, List<Integer> thresholds,
            LedgerEvents events, Duration lease) {
        this(redis, prefix, clock, thresholds, events, lease, false);
    }

    /**
     * @param prefix key prefix, so tests (or several gateways on one Redis) do not share balances
     * @param lease how long a reservation lives unless settled
     * @param cluster a Redis Cluster: keys tagged per team, so budgets spread over the masters
     */
    public RedisLedger(RedisClusterAsyncCommands<String, String> redis, String prefix, LongSupplier clock, List<Integer> thresholds,
            LedgerEvents events, Duration lease, boolean cluster) {
        this.redis = redis;
        this.cluster = cluster;
        this.leaseMillis = Math.max(1, lease.toMillis());
        this.prefix = prefix;
        this.clock = clock;
        this.thresholds = List.copyOf(thresholds);
        this.events = events;
    }

    String key(Budget budget, long periodStart) {
        return prefix + "{" + tag(budget) + "}:" + budget.id() + ":" + periodStart;
    }

    /** The hash tag of a budget's keys: what decides the Redis Cluster slot (and master) they live on. */
    String tag(Budget budget) {
        if (!cluster) {
            return "gh-budgets"; // one server: the layout of every release before Redis Cluster support
        }
        if (budget.scope() == Scope.ORG) {
            return "gh-budgets:org";
        }
        String team = budget.scope() == Scope.TEAM ? budget.subject() : budget.teamId();
        return team != null ? "gh-budgets:team:" + team : "gh-budgets:" + budget.scope().wire() + ":" + budget.subject();
    }

    /** The indexes of {@code budgets} grouped by hash tag, in first-seen order: one script per group. */
    private List<List<Integer>> groups(List<Budget> budgets) {
        Map<String, List<Integer>> byTag = new LinkedHashMap<>();
        for (int i = 0; i < budgets.size(); i++) {
            byTag.computeIfAbsent(tag(budgets.get(i)), t -> new ArrayList<>()).add(i);
        }
        return List.copyOf(byTag.values());
    }

    /** A group's raw answer, or why it failed. */
    private record Answer(List<Object> result, Throwable error) {}

    private long ttlSeconds(Budget budget, long periodStart) {
        long end = budget.period().end(periodStart);
        return end == Long.MAX_VALUE ? 0 : Math.max(1, (end - clock.getAsLong()) / 1000 + GRACE_SECONDS);
    }

    @Override
    public CompletionStage<Outcome> reserve(List<Budget> budgets, long amount) {
        long now = clock.getAsLong();
        List<Long> starts = new ArrayList<>(budgets.size());
        for (Budget b : budgets) {
            starts.add(b.period().start(now));
        }
        String lease = UUID.randomUUID().toString();
        List<List<Integer>> groups = groups(budgets);
        List<CompletableFuture<Answer>> answers = new ArrayList<>(groups.size());
        for (List<Integer> group : groups) {
            String[] keys = new String[group.size()];
            String[] args = new String[3 + 2 * group.size()];
            args[0] = Long.toString(amount);
            args[1] = lease;
            args[2] = Long.toString(leaseMillis);
            for (int j = 0; j < group.size(); j++) {
                Budget b = budgets.get(group.get(j));
                long start = starts.get(group.get(j));
                keys[j] = key(b, start);
                args[3 + 2 * j] = Long.toString(b.limitMicros());
                args[4 + 2 * j] = Long.toString(ttlSeconds(b, start));
            }
            answers.add(redis.<List<Object>>eval(RESERVE, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                    .handle(Answer::new));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenCompose(v -> decide(budgets, starts, amount, lease + ":" + amount, groups, answers));
    }

    /** One outcome from each group's answer; what the groups that reserved hold is released when another refused or failed. */
    private CompletableFuture<Outcome> decide(List<Budget> budgets, List<Long> starts, long amount, String lease,
            List<List<Integer>> groups, List<CompletableFuture<Answer>> answers) {
        Throwable error = null;
        BudgetExceeded refused = null;
        List<Integer> held = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> group = groups.get(g);
            Answer answer = answers.get(g).join();
            if (answer.error() != null) {
                error = error == null ? answer.error() : error;
                continue;
            }
            List<Object> result = answer.result();
            if (((Long) result.get(0)) == 1L) {
                for (int j = 0; j < group.size() && j + 1 < result.size(); j++) {
                    int i = group.get(j);
                    lastSeen.put(budgets.get(i).id(), new Seen(starts.get(i), (Long) result.get(j + 1) + amount));
                }
                held.addAll(group);
                continue;
            }
            int i = group.get((int) (long) (Long) result.get(1) - 1);
            lastSeen.put(budgets.get(i).id(), new Seen(starts.get(i), (Long) result.get(2) + (Long) result.get(3)));
            if (refused == null) {
                refused = new BudgetExceeded(budgets.get(i), starts.get(i), (Long) result.get(2), (Long) result.get(3), amount);
            }
        }
        if (error == null && refused == null) {
            return CompletableFuture.completedFuture(new Outcome(new Reservation(budgets, starts, amount, lease), null));
        }
        if (!held.isEmpty()) {
            List<Budget> heldBudgets = held.stream().map(budgets::get).toList();
            List<Long> heldStarts = held.stream().map(starts::get).toList();
            settleShared(new Reservation(heldBudgets, heldStarts, amount, lease), 0);
        }
        return error != null ? CompletableFuture.failedFuture(error) : CompletableFuture.completedFuture(new Outcome(null, refused));
    }

    /**
     * What this node last saw used (spent + reserved) of a budget in the period starting at
     * {@code periodStart}, or -1 if it has not seen that period in Redis.
     */
    long lastSeenUsed(Budget budget, long periodStart) {
        Seen seen = lastSeen.get(budget.id());
        return seen == null || seen.periodStart() != periodStart ? -1 : seen.used();
    }

    @Override
    public void settle(Reservation reservation, long actual) {
        settleShared(reservation, actual);
    }

    /** {@link #settle}, with the outcome: fails when Redis could not be reached (already logged). */
    CompletableFuture<Void> settleShared(Reservation reservation, long actual) {
        List<Budget> budgets = reservation.budgets();
        if (budgets.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long now = clock.getAsLong();
        long[] currentStarts = new long[budgets.size()];
        for (int i = 0; i < budgets.size(); i++) {
            currentStarts[i] = budgets.get(i).period().start(now);
        }
        List<List<Integer>> groups = groups(budgets);
        List<CompletableFuture<List<Object>>> answers = new ArrayList<>(groups.size());
        for (List<Integer> group : groups) {
            String[] keys = new String[2 * group.size()];
            List<String> args = new ArrayList<>();
            args.add(Long.toString(reservation.amount()));
            args.add(Long.toString(actual));
            args.add(reservation.lease() == null ? "" : reservation.lease());
            for (int j = 0; j < group.size(); j++) {
                int i = group.get(j);
                Budget b = budgets.get(i);
                keys[2 * j] = key(b, reservation.periodStarts().get(i));
                keys[2 * j + 1] = key(b, currentStarts[i]);
                args.add(Long.toString(b.limitMicros()));
                args.add(Long.toString(ttlSeconds(b, currentStarts[i])));
            }
            thresholds.forEach(t -> args.add(Integer.toString(t)));
            answers.add(redis.<List<Object>>eval(SETTLE, ScriptOutputType.MULTI, keys, args.toArray(String[]::new)).toCompletableFuture());
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            if (error != null) {
                // The reservation stays in Redis until its lease ends: safe (it only under-spends).
                // On a cluster the groups that answered are settled; only the others wait for their lease.
                LOG.error("budget settlement of {} micro-USD failed in Redis: {}", actual, error.toString());
                return;
            }
            for (int g = 0; g < groups.size(); g++) {
                List<Object> result = answers.get(g).join();
                List<Integer> group = groups.get(g);
                for (int j = 0; j < group.size(); j++) {
                    int i = group.get(j);
                    @SuppressWarnings("unchecked")
                    List<Object> r = (List<Object>) result.get(j);
                    settled(budgets.get(i), currentStarts[i], actual, r);
                }
            }
        }).thenApply(r -> (Void) null);
    }

    /** Events and the last-seen figure of one budget after a settlement ({spent, previously alerted, newly alerted}). */
    private void settled(Budget b, long currentStart, long actual, List<Object> r) {
        long spent = (Long) r.get(0);
        int previous = (int) (long) (Long) r.get(1);
        int crossed = (int) (long) (Long) r.get(2);
        if (actual != 0 || crossed > 0) {
            events.spendChanged(b, currentStart, spent, Math.max(previous, crossed));
        }
        for (int t : thresholds) {
            if (t > previous && t <= crossed) {
                events.thresholdCrossed(b, t, currentStart, spent);
            }
        }
        lastSeen.put(b.id(), new Seen(currentStart, Math.max(spent, lastSeenUsed(b, currentStart))));
    }

    @Override
    public CompletionStage<Balance> balance(Budget budget) {
        long start = budget.period().start(clock.getAsLong());
        return redis.<List<Object>>eval(BALANCE, ScriptOutputType.MULTI, key(budget, start)).thenApply(values -> new Balance(start,
                budget.period().end(start), (Long) values.get(0), (Long) values.get(1), budget.limitMicros()));
    }

    @Override
    public void seed(Budget budget, long periodStart, long spent, int alertedPercent) {
        if (periodStart != budget.period().start(clock.getAsLong())) {
            return;
        }
        redis.eval(SEED, ScriptOutputType.INTEGER, new String[] {key(budget, periodStart)},
                Long.toString(spent), Integer.toString(alertedPercent), Long.toString(ttlSeconds(budget, periodStart)));
    }

    @Override
    public void forget(Budget budget) {
        String key = key(budget, budget.period().start(clock.getAsLong()));
        redis.del(key, key + ":leases");
    }
}

package dev.gatehouse.budget;

import dev.gatehouse.call.Principal;
import dev.gatehouse.call.Stage;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.RedisConfig;
import dev.gatehouse.limits.Limiter;
import dev.gatehouse.limits.RateLimitStage;
import dev.gatehouse.limits.RateLimitStore;
import dev.gatehouse.limits.RateLimits;
import dev.gatehouse.limits.RateLimitsEndpoints;
import dev.gatehouse.limits.RedisOutage;
import dev.gatehouse.pricing.PriceCatalogue;
import dev.gatehouse.pricing.PricingSource;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.store.Database;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AuditSink;
import dev.gatehouse.web.SubjectTeams;
import dev.gatehouse.store.RedisLink;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits and budgets, assembled: definitions loaded from the database into memory, the
 * ledger and limiter (in memory, or in Redis when {@code redis.url} is set), the two stages for
 * the request path, and their admin endpoints. The composition root calls {@link #start},
 * {@link #stages}, {@link #endpoints}, {@link #refresh} (periodically, off the event loop, so
 * changes made on another node arrive) and {@link #close}.
 */
public final class Enforcement implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Enforcement.class);

    private final BudgetStore budgetStore;
    private final RateLimitStore limitStore;
    private final Budgets budgets = new Budgets();
    private final RateLimits limits = new RateLimits();
    private final PricingSource pricing;
    private final BudgetLedger ledger;
    private final Limiter limiter;
    private final SpendWriter spendWriter;
    private final BudgetAlerts alerts;
    private final ClientResources redisResources;
    private final RedisLink redisLink;
    private final DefinitionChanges changes;
    private final StatefulConnection<String, String> redis;
    private final RedisOutage outage;
    private final LongSupplier clock;
    private final List<Stage> stages;

    private Enforcement(GatehouseConfig config, Database db, Supplier<Snapshot> snapshot, LongSupplier clock) {
        this.clock = clock;
        this.budgetStore = new BudgetStore(db);
        this.limitStore = new RateLimitStore(db);
        this.pricing = new PricingSource(PriceCatalogue.shipped());
        this.spendWriter = new SpendWriter(budgetStore, 1000);
        this.alerts = new BudgetAlerts(config.budgets().alertWebhook(), config.budgets().alertTimeout());
        LedgerEvents events = SpendWriter.both(spendWriter, alerts);
        List<Integer> thresholds = config.budgets().alertThresholds();
        if (config.redis().enabled()) {
            String prefix = config.redis().keyPrefix();
            // Reconnect within a second of Redis coming back (Lettuce's default backs off to 30 s):
            // until then calls with budgets or limits are refused.
            redisResources = DefaultClientResources.builder()
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS)).build();
            // A short command deadline: when Redis is unreachable, calls fail closed (503) in about
            // two seconds instead of hanging for Lettuce's default minute.
            redisLink = RedisLink.open(config.redis().url(), redisResources, Duration.ofSeconds(2));
            redis = redisLink.connect();
            RedisConfig rc = config.redis();
            boolean localLimits = rc.rateLimitsOnOutage() == RedisConfig.OutagePolicy.LOCAL;
            boolean localBudgets = rc.budgetsOnOutage() == RedisConfig.OutagePolicy.LOCAL;
            outage = localLimits || localBudgets ? new RedisOutage(redis, rc.expectedNodes()) : null;
            RedisLedger sharedLedger = new RedisLedger(RedisLink.async(redis), prefix, clock, thresholds, events, config.budgets().reservationLease(),
                    redisLink.cluster());
            ledger = localBudgets ? new FallbackLedger(sharedLedger, outage, clock) : sharedLedger;
            limiter = localLimits ? Limiter.redis(redisLink, RedisLink.async(redis), prefix, outage)
                    : Limiter.redis(redisLink, RedisLink.async(redis), prefix);
            changes = new DefinitionChanges(redisLink, prefix + "changes", this::refresh);
            budgets.onChange(changes::announce);
            limits.onChange(changes::announce);
            LOG.info("rate limits and budgets are shared through Redis at {}", RedisConfig.masked(config.redis().url()));
        } else {
            redisResources = null;
            redisLink = null;
            redis = null;
            outage = null;
            changes = null;
            ledger = new MemoryLedger(clock, thresholds, events);
            limiter = Limiter.inMemory();
        }
        this.stages = List.of(new RateLimitStage(limits, limiter), new BudgetStage(snapshot, pricing, budgets, ledger, clock));
    }

    /** Builds everything and loads definitions and this period's spend (blocking; at start only). */
    public static Enforcement start(GatehouseConfig config, Database db, Supplier<Snapshot> snapshot, LongSupplier clock) {
        Enforcement e = new Enforcement(config, db, snapshot, clock);
        try {
            e.refresh();
            for (Budget b : e.budgets.all()) {
                e.budgetStore.spend(b.id(), b.period().start(clock.getAsLong()))
                        .ifPresent(s -> e.ledger.seed(b, s.periodStart(), s.spent(), s.alertedPercent()));
            }
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
        return e;
    }

    /** Rate limit, then budget: the preRouting stages. */
    public List<Stage> stages() {
        return stages;
    }

    public List<AdminEndpoints> endpoints(AuditSink audit, SubjectTeams teams) {
        return List.of(new BudgetsEndpoints(budgetStore, budgets, ledger, audit, teams, clock),
                new RateLimitsEndpoints(limitStore, limits, limiter, audit, teams, clock));
    }

    /** Re-reads budget and limit definitions (blocking: call off the event loop). */
    public void refresh() {
        budgets.replaceAll(budgetStore.all());
        limits.replaceAll(limitStore.all());
    }

    /** The Redis that limits and budgets use (null without Redis), for other state shared between nodes. */
    public RedisLink redisLink() {
        return redisLink;
    }

    /** Outage tracking for the {@code local} policy (null when Redis is off or every policy is fail-closed). */
    public RedisOutage redisOutage() {
        return outage;
    }

    public PricingSource pricing() {
        return pricing;
    }

    /** The budgets that apply to a caller, each with where it stands now (the built-in MCP server's my_budget). */
    public CompletionStage<List<Map.Entry<Budget, Balance>>> balances(Principal caller) {
        List<Budget> applicable = budgets.applicable(caller);
        List<CompletableFuture<Map.Entry<Budget, Balance>>> each = applicable.stream()
                .map(b -> ledger.balance(b).toCompletableFuture().thenApply(balance -> Map.entry(b, balance))).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    /** Writes pending spend now (tests, shutdown). */
    public void flush() {
        spendWriter.flush();
    }

    @Override
    public void close() {
        spendWriter.close();
        alerts.close();
        limiter.close();
        if (changes != null) {
            changes.close();
        }
        if (outage != null) {
            outage.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (redisLink != null) {
            redisLink.shutdown();
            redisResources.shutdown();
        }
    }
}

package dev.gatehouse.bench;

import dev.gatehouse.access.VirtualKeyAuthenticator;
import dev.gatehouse.budget.Budget;
import dev.gatehouse.budget.BudgetLedger;
import dev.gatehouse.budget.LedgerEvents;
import dev.gatehouse.budget.MemoryLedger;
import dev.gatehouse.budget.Period;
import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.Principal;
import dev.gatehouse.canonical.Usage;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.IssuedKey;
import dev.gatehouse.identity.KeyStore;
import dev.gatehouse.identity.Team;
import dev.gatehouse.identity.VirtualKey;
import dev.gatehouse.limits.Limiter;
import dev.gatehouse.limits.RateLimit;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.pricing.Settler;
import dev.gatehouse.store.Database;
import dev.gatehouse.usage.RequestRecord;
import dev.gatehouse.usage.RequestRecords;
import io.vertx.core.MultiMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The governance pieces of the request path, as the load benchmark's production path runs them:
 * a virtual key looked up in the in-memory registry (loaded from a real SQLite database), a rate
 * limit with RPM, TPM and concurrency taken and given back, a monthly budget reserved and settled,
 * and the request-log record built from a finished call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class GovernanceBench {
    Database database;
    Identity identity;
    VirtualKeyAuthenticator authenticator;
    String token;
    Limiter limiter;
    List<RateLimit> limits;
    MemoryLedger ledger;
    List<Budget> budgets;
    Pricing pricing;
    Call call;
    long n;

    @Setup
    public void setup() throws Exception {
        Path dir = Files.createTempDirectory("gatehouse-jmh");
        database = Database.open(null, null, null, dir);
        identity = Identity.over(database);
        Team team = identity.teams().create("bench");
        IssuedKey key = identity.keys().create(new KeyStore.NewKey("bench", VirtualKey.OWNER_TEAM, team.id(), team.id(), null));
        identity.registry().refresh();
        authenticator = new VirtualKeyAuthenticator(identity.registry());
        token = key.secret();
        Principal principal = authenticator.authenticate(token);

        limiter = Limiter.inMemory();
        long now = System.currentTimeMillis();
        limits = List.of(new RateLimit("rl_bench", "bench", dev.gatehouse.limits.Scope.KEY, key.key().id(), null, team.id(),
                100_000_000L, 10_000_000_000L, 100_000, now, now));

        ledger = new MemoryLedger(System::currentTimeMillis, List.of(80, 100), new LedgerEvents() {
            @Override
            public void spendChanged(Budget budget, long periodStart, long spent, int alertedPercent) {}

            @Override
            public void thresholdCrossed(Budget budget, int percent, long periodStart, long spent) {}
        });
        budgets = List.of(new Budget("bud_bench", "bench", dev.gatehouse.limits.Scope.KEY, key.key().id(), team.id(), Period.MONTH,
                1_000_000_000_000_000L, now, now)); // USD 1e9, as in the load benchmark

        pricing = Pricing.shipped();
        call = new Call("req_0123456789abcdef0123456789abcdef", Endpoint.CHAT_COMPLETIONS, MultiMap.caseInsensitiveMultiMap()
                .add("user-agent", "wrk").add("x-forwarded-for", "10.0.0.1"), System.nanoTime());
        call.principal(principal);
        call.model("bench-fast");
        call.addAttempt(new Call.Attempt("fast", "gpt-4o-mini", 200, null, 1_200_000));
        call.usage(new Usage(25, 12, 0, 0, 0));
    }

    @TearDown
    public void tearDown() throws Exception {
        identity.registry().close();
        database.close();
    }

    /** Bearer token to principal: SHA-256 of the token, registry lookup, revocation/expiry checks, last-used mark. */
    @Benchmark
    public Principal virtualKeyAuthenticate() {
        return authenticator.authenticate(token);
    }

    /** One request and its token estimate taken from RPM, TPM and the concurrency slot, then corrected and released. */
    @Benchmark
    public Limiter.Decision rateLimitAcquireAndComplete() {
        Limiter.Decision decision = limiter.acquire(limits, 120, "req").join();
        limiter.complete(decision.permit(), 37);
        return decision;
    }

    /** The worst-case cost reserved against a monthly budget, then settled with the actual cost. */
    @Benchmark
    public BudgetLedger.Outcome budgetReserveAndSettle() {
        BudgetLedger.Outcome outcome = ledger.reserveNow(budgets, 120);
        ledger.settle(outcome.reservation(), 37);
        return outcome;
    }

    /** The request-log record of a finished call: principal, attempts, usage, priced cost. */
    @Benchmark
    public RequestRecord requestRecordFrom() {
        return RequestRecords.from(call, null, Settler.reported(pricing, call), System.nanoTime(), System.currentTimeMillis());
    }
}

package dev.gatehouse.budget;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Stage;
import dev.gatehouse.config.Micros;
import dev.gatehouse.limits.Scope;
import dev.gatehouse.pricing.ModelPrice;
import dev.gatehouse.pricing.Pricing;
import dev.gatehouse.pricing.PricingSource;
import dev.gatehouse.pricing.TokenEstimate;
import dev.gatehouse.routing.Route;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.routing.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Budget enforcement: before routing, reserve the most the call can cost on every budget that
 * applies (org, team, user, key); when the call ends, settle to what it actually cost on the
 * model that answered (release everything when nothing answered). See {@link BudgetLedger} for
 * why this cannot overspend under concurrency.
 *
 * <p>The worst case is the dearest of the route's targets (a fallback may answer), with the input
 * bounded by {@link TokenEstimate#atMost} and the output by the request's {@code max_tokens}, else
 * the model's largest answer from the catalogue, else {@code budgets.default-max-output-tokens}.
 */
public final class BudgetStage implements Stage {
    private final Supplier<Snapshot> snapshot;
    private final PricingSource pricing;
    private final Budgets budgets;
    private final BudgetLedger ledger;
    private final LongSupplier clock;

    public BudgetStage(Supplier<Snapshot> snapshot, PricingSource pricing, Budgets budgets, BudgetLedger ledger, LongSupplier clock) {
        this.snapshot = snapshot;
        this.pricing = pricing;
        this.budgets = budgets;
        this.ledger = ledger;
        this.clock = clock;
    }

    @Override
    public Future<Void> apply(Call call) {
        List<Budget> applicable = budgets.applicable(call.principal());
        if (applicable.isEmpty()) {
            return Future.succeededFuture();
        }
        Snapshot current = snapshot.get();
        Pricing prices = pricing.pricing(current.config());
        long worst = worstCase(call, current, prices);
        CompletionStage<BudgetLedger.Outcome> reserving = ledger.reserve(applicable, worst);
        CompletableFuture<BudgetLedger.Outcome> done = reserving.toCompletableFuture();
        if (done.isDone() && !done.isCompletedExceptionally()) {
            return admit(call, done.join(), worst);
        }
        Context context = Vertx.currentContext();
        Future<BudgetLedger.Outcome> outcome = context == null
                ? Future.fromCompletionStage(reserving) : Future.fromCompletionStage(reserving, context);
        return outcome.recover(e -> Future.failedFuture(new GatewayException(ErrorType.UNAVAILABLE,
                        "Budgets cannot be checked right now (shared state unavailable); try again shortly.", null, "budget_unavailable",
                        Duration.ofSeconds(1), 0)))
                .compose(o -> admit(call, o, worst));
    }

    private Future<Void> admit(Call call, BudgetLedger.Outcome outcome, long worst) {
        if (!outcome.granted()) {
            return Future.failedFuture(refusal(outcome.refused(), worst));
        }
        Reservation reservation = outcome.reservation();
        call.onSettled(settlement -> ledger.settle(reservation, settlement.costMicros())); // the same cost the request log records
        return Future.succeededFuture();
    }

    long worstCase(Call call, Snapshot current, Pricing prices) {
        Route route = current.routes().find(call.model());
        if (route == null) {
            return 0;
        }
        long worst = 0;
        for (Target target : route.targets()) {
            ModelPrice price = prices.price(call.model(), target.upstreamModel());
            if (call.media() != null && call.media().unit() != dev.gatehouse.call.MediaUnits.Unit.SEARCH_UNIT) {
                // Media is billed by its units (images, audio seconds, characters), known from the request.
                worst = Math.max(worst, Pricing.mediaCost(price, call.media()));
                continue;
            }
            if (call.media() != null) {
                // A rerank: its search units, plus every byte of the request as an input token (a reranker has no output).
                worst = Math.max(worst, Math.addExact(Pricing.mediaCost(price, call.media()),
                        Pricing.worstCase(price, TokenEstimate.atMost(call.requestBytes(), 0), 0)));
                continue;
            }
            long input = TokenEstimate.atMost(call.requestBytes(), price.contextTokens());
            long output;
            if (call.maxOutputTokens() != null) {
                output = call.maxOutputTokens();
            } else if (price.maxOutputTokens() > 0) {
                output = price.maxOutputTokens();
            } else {
                output = current.config().budgets().defaultMaxOutputTokens();
            }
            worst = Math.max(worst, Pricing.worstCase(price, input, output));
        }
        return worst;
    }

    private GatewayException refusal(BudgetExceeded refused, long worst) {
        Budget b = refused.budget();
        long end = b.period().end(refused.periodStart());
        String who = b.scope() == Scope.ORG ? "organisation" : b.scope().wire() + " " + b.subject();
        String name = b.name() == null ? b.id() : "'" + b.name() + "' (" + b.id() + ")";
        StringBuilder message = new StringBuilder("Budget ").append(name).append(" of the ").append(who)
                .append(" does not cover this request: ").append(b.period().wire()).append(" limit ")
                .append(Micros.format(b.limitMicros())).append(" USD, spent ").append(Micros.format(refused.spent()))
                .append(", reserved by calls in flight ").append(Micros.format(refused.reserved()))
                .append(", this request may cost up to ").append(Micros.format(worst)).append(" USD");
        if (b.limitMicros() < worst) {
            message.append(" (more than the whole budget: lower max_tokens)");
        }
        Duration retryAfter = null;
        if (end != Long.MAX_VALUE) {
            message.append(". The budget resets at ").append(Instant.ofEpochMilli(end)).append('.');
            retryAfter = Duration.ofMillis(Math.max(1000, end - clock.getAsLong()));
        } else {
            message.append('.');
        }
        return new GatewayException(ErrorType.INSUFFICIENT_QUOTA, message.toString(), null, "insufficient_quota", retryAfter, 0);
    }
}

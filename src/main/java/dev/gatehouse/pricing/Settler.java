package dev.gatehouse.pricing;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.CallListener;
import dev.gatehouse.call.Settlement;
import dev.gatehouse.canonical.Usage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles each finished call once: fixes its {@link Settlement} (the provider's usage, else a
 * tokenizer estimate flagged as such, priced on the model that answered) before anyone accounts
 * for it, so the budget, the rate limiter, the request log, metrics and traces all see the same
 * tokens and cost. Before this, each priced the call itself and a call without reported usage was
 * charged 0 by the budget while the request log recorded an estimated cost.
 *
 * <p>The usual case, usage reported, settles synchronously on the event loop (one small record).
 * The estimate tokenizes the whole prompt and answer, which is too much CPU for the event loop on
 * big prompts; it is needed only when the provider reported nothing, so then it runs once on a
 * virtual thread, which settles the call and tells the listeners from there. {@link #close} waits
 * for those still running, so that a shutdown loses neither a budget charge nor a log record.
 */
public final class Settler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

    private final Supplier<Pricing> pricing;
    private final ExecutorService estimates = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("gatehouse-usage-estimate-", 0).factory());

    public Settler(Supplier<Pricing> pricing) {
        this.pricing = pricing;
    }

    /** {@code listener}, told about each call only once the call is settled. */
    public CallListener before(CallListener listener) {
        return (call, failure) -> settle(call, failure, listener);
    }

    /**
     * Settles {@code call} (see {@link Call#settle}), then tells {@code then}: at once when nothing
     * needs estimating, else after the estimate, on the thread that made it.
     *
     * @param failure why the call failed, or null: a failed call is settled on what was reported, never estimated
     */
    public void settle(Call call, Throwable failure, CallListener then) {
        if (call.cacheSaved() != null) {
            // A cache hit costs nothing (no attempt, no usage); what the replayed answer cost to make is what it saved.
            Pricing prices = pricing.get();
            call.cacheSavedMicros(prices == null ? 0 : Pricing.cost(prices.price(call.model(), call.cacheModel()), call.cacheSaved()));
        }
        Call.Attempt answered = call.answeringAttempt();
        Supplier<Usage> estimate = call.usageEstimate();
        // A media call with an estimate (a rerank whose upstream counts no tokens) is estimated too: its units plus the tokens.
        if (call.usage() != null || answered == null || failure != null || estimate == null) {
            try {
                call.settle(reported(pricing.get(), call));
            } catch (RuntimeException e) {
                LOG.warn("settling request {} failed: {}", call.requestId(), e.getClass().getName());
            }
            then.completed(call, failure);
            return;
        }
        try {
            estimates.execute(() -> estimated(call, failure, answered, estimate, then));
        } catch (RejectedExecutionException e) { // closing: estimate here rather than lose the call's accounting
            estimated(call, failure, answered, estimate, then);
        }
    }

    private void estimated(Call call, Throwable failure, Call.Attempt answered, Supplier<Usage> estimate, CallListener then) {
        try {
            Settlement settlement = Settlement.NONE;
            try {
                Usage usage = estimate.get();
                if (usage != null) {
                    Pricing prices = pricing.get();
                    ModelPrice price = prices == null ? null : prices.price(call.model(), answered.upstreamModel());
                    long cost = price == null ? 0 : Math.addExact(Pricing.cost(price, usage), Pricing.mediaCost(price, call.media()));
                    settlement = new Settlement(usage, true, cost);
                }
            } catch (RuntimeException e) {
                LOG.debug("no token estimate for {}: {}", call.requestId(), e.toString());
            }
            try {
                call.settle(settlement);
            } finally {
                then.completed(call, failure);
            }
        } catch (RuntimeException e) {
            LOG.warn("settling request {} failed: {}", call.requestId(), e.getClass().getName());
        }
    }

    /**
     * The settlement of what the provider reported, priced on the model that answered: no
     * tokenizer, safe on the event loop. No usage settles to {@link Settlement#NONE}; usage
     * without an answering attempt costs 0.
     */
    public static Settlement reported(Pricing pricing, Call call) {
        Usage usage = call.usage();
        Call.Attempt answered = call.answeringAttempt();
        if (call.media() != null) {
            // A media call costs its units (images, audio seconds, characters), plus any tokens it reported.
            if (answered == null || pricing == null) {
                return usage == null ? Settlement.NONE : new Settlement(usage, false, 0);
            }
            ModelPrice price = pricing.price(call.model(), answered.upstreamModel());
            long cost = Math.addExact(Pricing.mediaCost(price, call.media()), usage == null ? 0 : Pricing.cost(price, usage));
            return new Settlement(usage == null ? Usage.ZERO : usage, false, cost);
        }
        if (usage == null) {
            return Settlement.NONE;
        }
        long cost = answered == null || pricing == null ? 0 : Pricing.cost(pricing.price(call.model(), answered.upstreamModel()), usage);
        return new Settlement(usage, false, cost);
    }

    /** Waits (bounded) for the estimates still running: they settle budgets and feed the request log. */
    @Override
    public void close() {
        estimates.shutdown();
        try {
            if (!estimates.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("usage estimates still running at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.gatehouse.routing;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.call.Call;
import dev.gatehouse.call.Endpoint;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.config.ProviderConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one answer to "may this call use this model, this target". Every path that picks what a
 * call reaches asks here: the dispatch (the model the caller named), the authorize stage (the
 * request as a whole), the router (each target of a plan), fallbacks and auto-routing (each
 * candidate model) and the caller's own provider key (BYOK). Keeping the rules together is what
 * stops one path from widening what another forbids.
 *
 * <p>Model rules, in the order a caller's error reports them: the model exists (404), the
 * caller's model policy allows it (403), it serves the call's endpoint type (400). Target rules:
 * the caller's provider policy (403 when it denies every target), zero data retention (only
 * providers marked {@code zdr: true}; 403 when none is left), and a caller's own provider key
 * (only the provider that key was sent for). Reads memory only.
 */
public final class Eligibility {

    /** Which rule refused. */
    public enum Rule { MODEL_EXISTS, MODEL_POLICY, ENDPOINT, ROUTER_MODEL, REQUEST_POLICY, PROVIDER_POLICY, ZDR, CALLER_KEY }

    /**
     * One decision: allowed when {@link #rule()} is null. {@link #note()} is the short reason the
     * {@code x-gatehouse-route} header gives for a skipped target, {@link #error()} what the caller
     * gets when the denial is final. Errors are built only when asked for: a skipped target costs
     * no exception.
     *
     * @param model the public model the decision is about
     * @param denial the policy's denial for the policy rules; for {@link Rule#ENDPOINT}, which endpoint to use
     */
    public record Verdict(Rule rule, String model, AccessRules.Denial denial) {
        public static final Verdict ALLOWED = new Verdict(null, null, null);

        public boolean allowed() {
            return rule == null;
        }

        /** Why a target or model was skipped, for the route reason; null when allowed. */
        public String note() {
            return rule == null ? null : switch (rule) {
                case MODEL_EXISTS -> "no such model";
                case MODEL_POLICY, REQUEST_POLICY, PROVIDER_POLICY -> "denied by policy";
                case ENDPOINT -> "other endpoint";
                case ROUTER_MODEL -> "router model";
                case ZDR -> "not zdr";
                case CALLER_KEY -> "not the caller key's provider";
            };
        }

        /** The error for the caller when this denial is final; null when allowed. */
        public GatewayException error() {
            return rule == null ? null : switch (rule) {
                case MODEL_EXISTS -> new GatewayException(ErrorType.NOT_FOUND, "The model '" + model
                        + "' does not exist or you do not have access to it. GET /v1/models lists the models you can use.",
                        "model", "model_not_found");
                case MODEL_POLICY, REQUEST_POLICY, PROVIDER_POLICY -> denied(denial);
                case ENDPOINT -> GatewayException.invalid(denial.reason(), "model");
                case ROUTER_MODEL -> GatewayException.invalid("The model '" + model
                        + "' is a router model; a fallback or a router's candidate is served directly.", "model");
                case ZDR -> zdrNoTarget(model);
                case CALLER_KEY -> new GatewayException(ErrorType.PERMISSION,
                        "Your own provider key is sent only to the provider it was meant for.", null, "policy_denied");
            };
        }
    }

    private static final Eligibility NO_PROVIDER_CONFIG = new Eligibility(Map.of());

    private final Map<String, ProviderConfig> providers;

    /** @param providers the configured providers by name, for their {@code zdr} mark */
    public Eligibility(Map<String, ProviderConfig> providers) {
        this.providers = providers;
    }

    /** The rules as the snapshot's configuration states them. */
    public static Eligibility of(Snapshot snapshot) {
        return new Eligibility(snapshot.config().providers());
    }

    /** Without provider configuration (tests, tools): no provider counts as zero-data-retention. */
    public static Eligibility withoutProviderConfig() {
        return NO_PROVIDER_CONFIG;
    }

    // ---- models ------------------------------------------------------------------------------

    /**
     * May this call use the public model {@code name}? It exists ({@code route} non-null), the
     * caller's model policy allows it, and it serves the call's endpoint (chat or embeddings).
     */
    public static Verdict model(Call call, String name, Route route) {
        if (route == null) {
            return new Verdict(Rule.MODEL_EXISTS, name, null);
        }
        AccessRules.Denial denial = rules(call).checkModel(name);
        if (denial != null) {
            return new Verdict(Rule.MODEL_POLICY, name, denial);
        }
        if (!route.type().equals(call.endpoint().modelType())) {
            return new Verdict(Rule.ENDPOINT, name, new AccessRules.Denial("endpoint", "The model '" + name + "' is "
                    + (route.type().equals("image") ? "an image" : "a" + (route.type().equals("embedding") ? "n " : " ") + route.type())
                    + " model; use it with " + ENDPOINTS_OF_TYPE.get(route.type()) + "."));
        }
        return Verdict.ALLOWED;
    }

    /**
     * Whether {@code GET /v1/models} lists the public model {@code name} to this caller: the model
     * policy alone, since the list holds the models of every endpoint.
     */
    public static boolean listed(Call call, String name) {
        return rules(call).checkModel(name) == null;
    }

    /**
     * May this call be a fallback's or auto-routing's candidate {@code name}? As {@link #model},
     * and not a router model itself: a fallback or a router's choice is always served directly.
     */
    public static Verdict candidate(Call call, String name, Route route) {
        if (route != null && route.router() != null) {
            return new Verdict(Rule.ROUTER_MODEL, name, null);
        }
        return model(call, name, route);
    }

    /**
     * May the request as a whole proceed, before any target is known: the caller's policies on
     * the endpoint, the model and max output tokens.
     */
    public static Verdict request(Call call) {
        AccessRules.Denial denial = rules(call).checkRequest(endpointName(call.endpoint()), call.model(), null,
                call.maxOutputTokens());
        return denial == null ? Verdict.ALLOWED : new Verdict(Rule.REQUEST_POLICY, call.model(), denial);
    }

    // ---- targets -----------------------------------------------------------------------------

    /** May this call use this target: the caller's provider policy, then zero data retention. */
    public Verdict check(Call call, Target target) {
        AccessRules.Denial denial = rules(call).checkRequest(endpointName(call.endpoint()), call.model(),
                target.provider().name(), call.maxOutputTokens());
        if (denial != null) {
            return new Verdict(Rule.PROVIDER_POLICY, call.model(), denial);
        }
        return zdr(call, target);
    }

    /**
     * The targets this call may use, in order; each one skipped is noted on {@code reason} (as
     * {@code skipped=<target> (<note>)}). When the provider policy denies every target the call
     * fails with a 403 naming the policy that denied the first; targets left out only by zero
     * data retention give an empty list (a fallback model may still serve, else
     * {@link #zdrNoTarget}).
     */
    public List<Target> eligible(Call call, List<Target> targets, StringBuilder reason) {
        AccessRules rules = rules(call);
        if (rules == AccessRules.ALLOW_ALL && !call.zdr()) {
            return targets; // the common case decides nothing and allocates nothing
        }
        List<Target> allowed = new ArrayList<>(targets.size());
        AccessRules.Denial firstDenial = null;
        boolean anyPolicyAllowed = false;
        for (Target target : targets) {
            Verdict verdict = check(call, target);
            if (verdict.rule() == Rule.PROVIDER_POLICY) {
                firstDenial = firstDenial == null ? verdict.denial() : firstDenial;
            } else {
                anyPolicyAllowed = true;
            }
            if (verdict.allowed()) {
                allowed.add(target);
            } else if (reason != null) {
                skip(reason, target, verdict.note());
            }
        }
        if (!anyPolicyAllowed && firstDenial != null) {
            throw denied(firstDenial);
        }
        return allowed;
    }

    /** Zero data retention: a ZDR call may only reach a provider marked {@code zdr: true}. */
    Verdict zdr(Call call, Target target) {
        if (!call.zdr()) {
            return Verdict.ALLOWED;
        }
        ProviderConfig provider = providers.get(target.provider().name());
        return provider != null && provider.zdr() ? Verdict.ALLOWED : new Verdict(Rule.ZDR, call.model(), null);
    }

    /**
     * A caller's own provider key (BYOK) is only for the provider it was sent for: the first of
     * the plan. Any other provider's target is not eligible, so the key never reaches it.
     */
    public static Verdict callerKey(Target target, String keyProvider) {
        return target.provider().name().equals(keyProvider) ? Verdict.ALLOWED : new Verdict(Rule.CALLER_KEY, null, null);
    }

    /** The plan's targets a caller's own provider key may be sent to: those of the first target's provider. */
    public static List<Target> forCallerKey(List<Target> plan) {
        if (plan.isEmpty()) {
            return plan;
        }
        String keyProvider = plan.getFirst().provider().name();
        List<Target> out = new ArrayList<>(plan.size());
        for (Target target : plan) {
            if (callerKey(target, keyProvider).allowed()) {
                out.add(target);
            }
        }
        return out;
    }

    // ---- errors and names --------------------------------------------------------------------

    /** The 403 for a policy's denial; its message names the policy. */
    public static GatewayException denied(AccessRules.Denial denial) {
        return new GatewayException(ErrorType.PERMISSION, denial.reason(), null, "policy_denied");
    }

    /** The 403 when zero data retention leaves a call no target at all (fallbacks included). */
    public static GatewayException zdrNoTarget(String model) {
        return new GatewayException(ErrorType.PERMISSION, "Zero data retention applies to this request, and no provider"
                + " serving the model '" + model + "' is marked zdr: true. Mark a provider that retains no data with"
                + " 'zdr: true' in the configuration, or use another model.", "model", "zdr_no_target");
    }

    /** The name policies use for an endpoint: {@code chat.completions}, {@code embeddings}, {@code models}, ... */
    /** Where each model type is served, for the error that names the right endpoint. */
    private static final java.util.Map<String, String> ENDPOINTS_OF_TYPE = java.util.Map.of(
            "chat", "POST /v1/chat/completions", "embedding", "POST /v1/embeddings",
            "image", "POST /v1/images/generations, /v1/images/edits or /v1/images/variations",
            "transcription", "POST /v1/audio/transcriptions or /v1/audio/translations",
            "speech", "POST /v1/audio/speech", "moderation", "POST /v1/moderations", "rerank", "POST /v1/rerank");

    public static String endpointName(Endpoint endpoint) {
        return endpoint.name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    static void skip(StringBuilder reason, Target target, String why) {
        reason.append(reason.indexOf("; skipped=") < 0 ? "; skipped=" : ", ").append(target.key()).append(" (").append(why).append(')');
    }

    private static AccessRules rules(Call call) {
        return call.principal() == null ? AccessRules.ALLOW_ALL : call.principal().rules();
    }
}

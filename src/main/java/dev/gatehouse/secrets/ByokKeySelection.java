package dev.gatehouse.secrets;

import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.call.Principal;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.routing.Eligibility;
import dev.gatehouse.routing.KeySelection;
import dev.gatehouse.routing.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * BYOK in the routing step. For a caller whose principal belongs to a team with its own key for
 * a target's provider, the target gets a copy of the provider that authenticates with the team's
 * key. Copies are cached per (provider, team), so the request path allocates nothing once warm.
 *
 * <p>When enabled ({@code secrets.allow-caller-provider-keys}), a caller may instead send its own
 * key in {@value #HEADER}: it is used for the plan's first provider only and targets on other
 * providers are dropped, so a caller's key is never sent to a provider it was not meant for. The
 * header is never logged, forwarded or cached.
 */
public final class ByokKeySelection implements KeySelection {
    public static final String HEADER = "x-gatehouse-provider-key";
    private static final int MAX_CACHED = 10_000;

    private record CopyKey(Provider provider, String teamId) {}

    private record Copy(long version, Provider provider) {}

    private final TeamCredentials credentials;
    private final BooleanSupplier allowCallerKeys;
    private final Map<CopyKey, Copy> copies = new ConcurrentHashMap<>();

    public ByokKeySelection(TeamCredentials credentials, BooleanSupplier allowCallerKeys) {
        this.credentials = credentials;
        this.allowCallerKeys = allowCallerKeys;
    }

    @Override
    public List<Target> apply(List<Target> plan, Call call) {
        String callerKey = call.headers() == null ? null : call.headers().get(HEADER);
        if (callerKey != null && !callerKey.isBlank()) {
            return withCallerKey(plan, callerKey.strip());
        }
        Principal principal = call.principal();
        String teamId = principal == null ? null : principal.teamId();
        Map<String, String> teamKeys = credentials.forTeam(teamId);
        if (teamKeys.isEmpty()) {
            return plan;
        }
        long version = credentials.version();
        List<Target> out = null;
        for (int i = 0; i < plan.size(); i++) {
            Target target = plan.get(i);
            String apiKey = teamKeys.get(target.provider().name());
            if (apiKey == null) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(plan);
            }
            out.set(i, target.with(copy(target.provider(), teamId, apiKey, version)));
        }
        return out == null ? plan : out;
    }

    private Provider copy(Provider provider, String teamId, String apiKey, long version) {
        CopyKey key = new CopyKey(provider, teamId);
        Copy cached = copies.get(key);
        if (cached != null && cached.version() == version) {
            return cached.provider();
        }
        if (copies.size() >= MAX_CACHED) {
            copies.clear(); // copies of providers replaced by a reload, or keys long gone
        }
        Provider copy = provider.withApiKey(apiKey);
        copies.put(key, new Copy(version, copy));
        return copy;
    }

    private List<Target> withCallerKey(List<Target> plan, String callerKey) {
        if (!allowCallerKeys.getAsBoolean()) {
            throw new GatewayException(ErrorType.PERMISSION, "Sending your own provider key in '" + HEADER
                    + "' is not enabled on this gateway (secrets.allow-caller-provider-keys).", null,
                    "caller_provider_keys_disabled");
        }
        // Which targets the key may reach is an eligibility rule: only the first provider's.
        List<Target> eligible = Eligibility.forCallerKey(plan);
        List<Target> out = new ArrayList<>(eligible.size());
        for (Target target : eligible) {
            Provider copy;
            try {
                copy = target.provider().withApiKey(callerKey);
            } catch (UnsupportedOperationException e) {
                throw GatewayException.invalid("The provider behind this model does not accept a caller's key.", null);
            }
            out.add(target.with(copy));
        }
        return out;
    }
}

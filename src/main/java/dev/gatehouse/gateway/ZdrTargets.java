package dev.gatehouse.gateway;


import dev.gatehouse.call.Call;
import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;
import dev.gatehouse.routing.Snapshot;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.routing.Target;
import java.util.ArrayList;
import java.util.List;

/** Zero data retention routing: a ZDR call may only reach providers marked {@code zdr: true}. */
final class ZdrTargets {
    private ZdrTargets() {}

    static List<Target> filter(List<Target> targets, Call call, Snapshot current) {
        if (!call.zdr()) {
            return targets;
        }
        List<Target> allowed = new ArrayList<>(targets.size());
        for (Target target : targets) {
            ProviderConfig provider = current.config().providers().get(target.provider().name());
            if (provider != null && provider.zdr()) {
                allowed.add(target);
            }
        }
        return allowed;
    }

    static GatewayException noTarget(String model) {
        return new GatewayException(ErrorType.PERMISSION, "Zero data retention applies to this request, and no provider"
                + " serving the model '" + model + "' is marked zdr: true. Mark a provider that retains no data with"
                + " 'zdr: true' in the configuration, or use another model.", "model", "zdr_no_target");
    }
}

package dev.gatehouse.limits;

import dev.gatehouse.call.Principal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The rate limits in memory, indexed by subject; replaced wholesale on change (copy on write). */
public final class RateLimits {
    private volatile Map<String, List<RateLimit>> bySubject = Map.of();
    private volatile Map<String, RateLimit> byId = Map.of();

    public void replaceAll(Collection<RateLimit> limits) {
        Map<String, List<RateLimit>> subjects = new HashMap<>();
        Map<String, RateLimit> ids = new HashMap<>();
        for (RateLimit l : limits) {
            subjects.computeIfAbsent(l.scope().wire() + ":" + l.subject(), k -> new ArrayList<>()).add(l);
            ids.put(l.id(), l);
        }
        subjects.replaceAll((k, v) -> List.copyOf(v));
        bySubject = Map.copyOf(subjects);
        byId = Map.copyOf(ids);
    }

    public synchronized void put(RateLimit limit) {
        Map<String, RateLimit> ids = new HashMap<>(byId);
        ids.put(limit.id(), limit);
        replaceAll(ids.values());
    }

    public synchronized void remove(String id) {
        Map<String, RateLimit> ids = new HashMap<>(byId);
        ids.remove(id);
        replaceAll(ids.values());
    }

    public RateLimit get(String id) {
        return byId.get(id);
    }

    /** The limits a call by {@code principal} to public model {@code model} counts against. */
    public List<RateLimit> applicable(Principal principal, String model) {
        Map<String, List<RateLimit>> index = bySubject;
        if (index.isEmpty()) {
            return List.of();
        }
        List<RateLimit> result = new ArrayList<>(4);
        add(result, index.get("key:" + principal.keyId()), principal.keyId(), model);
        add(result, index.get("user:" + principal.userId()), principal.userId(), model);
        add(result, index.get("team:" + principal.teamId()), principal.teamId(), model);
        add(result, index.get("model:" + model), model, model);
        return result;
    }

    private static void add(List<RateLimit> into, List<RateLimit> limits, String subject, String model) {
        if (limits == null || subject == null) {
            return;
        }
        for (RateLimit l : limits) {
            if (l.model() == null || l.model().equals(model)) {
                into.add(l);
            }
        }
    }
}

package dev.gatehouse.limits;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Definitions attached to a scope and subject (rate limits, budgets) held in memory and indexed by
 * what they attach to, so admission finds a call's with a few map lookups. Replaced wholesale
 * (copy on write) when an admin changes one or the periodic refresh reads the database; readers
 * never lock.
 */
public abstract class ScopedRegistry<T> {
    private final Function<T, String> id;
    private final Function<T, Scope> scope;
    private final Function<T, String> subject;
    private volatile Map<String, List<T>> bySubject = Map.of();
    private volatile Map<String, T> byId = Map.of();
    private volatile Runnable onChange = () -> {};

    protected ScopedRegistry(Function<T, String> id, Function<T, Scope> scope, Function<T, String> subject) {
        this.id = id;
        this.scope = scope;
        this.subject = subject;
    }

    public void replaceAll(Collection<T> all) {
        Map<String, List<T>> subjects = new HashMap<>();
        Map<String, T> ids = new HashMap<>();
        for (T t : all) {
            subjects.computeIfAbsent(scope.apply(t).index(subject.apply(t)), k -> new ArrayList<>()).add(t);
            ids.put(id.apply(t), t);
        }
        subjects.replaceAll((k, v) -> List.copyOf(v));
        bySubject = Map.copyOf(subjects);
        byId = Map.copyOf(ids);
    }

    /** Runs after every {@link #put} and {@link #remove} (an admin change here), not after a refresh. */
    public void onChange(Runnable listener) {
        this.onChange = listener;
    }

    public void put(T t) {
        synchronized (this) {
            Map<String, T> ids = new HashMap<>(byId);
            ids.put(id.apply(t), t);
            replaceAll(ids.values());
        }
        onChange.run();
    }

    public void remove(String id) {
        synchronized (this) {
            Map<String, T> ids = new HashMap<>(byId);
            ids.remove(id);
            replaceAll(ids.values());
        }
        onChange.run();
    }

    public T get(String id) {
        return byId.get(id);
    }

    public Collection<T> all() {
        return byId.values();
    }

    /** Whether nothing is defined: admission's fast way out. */
    protected boolean isEmpty() {
        return bySubject.isEmpty();
    }

    /** What is attached to {@code subject} in {@code scope}; empty for a null subject (except ORG, which has none). */
    protected List<T> attached(Scope scope, String subject) {
        if (subject == null && scope != Scope.ORG) {
            return List.of();
        }
        List<T> found = bySubject.get(scope.index(subject));
        return found == null ? List.of() : found;
    }
}

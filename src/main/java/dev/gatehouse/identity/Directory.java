package dev.gatehouse.identity;

import dev.gatehouse.call.AccessRules;
import dev.gatehouse.identity.PolicyRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Teams, users and policies as one immutable in-memory picture, rebuilt whenever the
 * directory revision moves. Callers' rules are computed from it without touching storage.
 */
public record Directory(Map<String, Team> teams, Map<String, Team> teamsByName, Map<String, User> users,
        Map<String, User> usersByEmail, Map<String, List<PolicyRules.Compiled>> attached) {

    public static final Directory EMPTY = new Directory(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    static Directory load(TeamStore teams, UserStore users, PolicyStore policies) {
        Map<String, Team> byId = new HashMap<>();
        Map<String, Team> byName = new HashMap<>();
        for (Team t : teams.all()) {
            byId.put(t.id(), t);
            byName.put(t.name(), t);
        }
        Map<String, User> usersById = new HashMap<>();
        Map<String, User> usersByEmail = new HashMap<>();
        for (User u : users.all()) {
            usersById.put(u.id(), u);
            if (u.email() != null) {
                usersByEmail.put(u.email().toLowerCase(Locale.ROOT), u);
            }
        }
        Map<String, PolicyRules.Compiled> compiled = new HashMap<>();
        for (AccessPolicy p : policies.all()) {
            compiled.put(p.id(), PolicyRules.Compiled.of(p));
        }
        Map<String, List<PolicyRules.Compiled>> attached = new HashMap<>();
        for (Attachment a : policies.allAttachments()) {
            PolicyRules.Compiled c = compiled.get(a.policyId());
            if (c != null) {
                attached.computeIfAbsent(a.subjectType() + ":" + a.subjectId(), k -> new ArrayList<>()).add(c);
            }
        }
        attached.replaceAll((k, v) -> List.copyOf(v));
        return new Directory(Map.copyOf(byId), Map.copyOf(byName), Map.copyOf(usersById), Map.copyOf(usersByEmail),
                Map.copyOf(attached));
    }

    /** The rules from every policy attached to the key, the user and the team (each once). */
    public AccessRules rulesFor(String keyId, String userId, String teamId) {
        Set<PolicyRules.Compiled> all = new LinkedHashSet<>();
        add(all, "key", keyId);
        add(all, "user", userId);
        add(all, "team", teamId);
        return PolicyRules.of(List.copyOf(all));
    }

    private void add(Set<PolicyRules.Compiled> into, String type, String id) {
        if (id != null) {
            into.addAll(attached.getOrDefault(type + ":" + id, List.of()));
        }
    }

    /** A team by id or, failing that, by name (as identity providers usually send names). */
    public Team team(String idOrName) {
        if (idOrName == null) {
            return null;
        }
        Team t = teams.get(idOrName);
        return t != null ? t : teamsByName.get(idOrName);
    }

    /** A user by id or, failing that, by email. */
    public User user(String idOrEmail) {
        if (idOrEmail == null) {
            return null;
        }
        User u = users.get(idOrEmail);
        return u != null ? u : usersByEmail.get(idOrEmail.toLowerCase(Locale.ROOT));
    }
}

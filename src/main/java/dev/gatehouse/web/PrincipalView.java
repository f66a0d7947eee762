package dev.gatehouse.web;

import dev.gatehouse.call.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** A principal as the admin API shows it to itself: ids and roles, never a credential. */
public final class PrincipalView {
    private PrincipalView() {}

    public static Map<String, Object> of(Principal p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", p.kind());
        out.put("roles", new TreeSet<>(p.roles()));
        out.put("team_id", p.teamId());
        out.put("user_id", p.userId());
        out.put("key_id", p.keyId());
        return out;
    }
}

package dev.gatehouse.budget;

import java.util.Locale;

/** What a budget is attached to. ORG budgets apply to every call, the master key's included. */
public enum Scope {
    ORG, TEAM, USER, KEY;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scope parse(String text) {
        if (text != null) {
            for (Scope s : values()) {
                if (s.wire().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("scope must be one of org, team, user, key; got '" + text + "'");
    }
}

package dev.gatehouse.identity;

import dev.gatehouse.store.Database;

/** The identity stores over one database, and the in-memory registry the request path reads. */
public record Identity(TeamStore teams, UserStore users, KeyStore keys, PolicyStore policies, IdentityRegistry registry) {
    /** Stores and a registry (not yet started) over {@code db}. */
    public static Identity over(Database db) {
        TeamStore teams = new TeamStore(db);
        UserStore users = new UserStore(db);
        KeyStore keys = new KeyStore(db);
        PolicyStore policies = new PolicyStore(db);
        return new Identity(teams, users, keys, policies,
                new IdentityRegistry(keys, teams, users, policies, System::currentTimeMillis));
    }
}

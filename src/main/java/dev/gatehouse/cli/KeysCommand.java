package dev.gatehouse.cli;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.AccessPolicy;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.IssuedKey;
import dev.gatehouse.identity.KeyStore;
import dev.gatehouse.identity.Team;
import dev.gatehouse.identity.User;
import dev.gatehouse.identity.VirtualKey;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import dev.gatehouse.web.AdminBody;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatehouse keys create|list|revoke|rotate}: virtual keys, straight in the database. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list, revoke and rotate virtual API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.Rotate.class})
public final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Usage errors (unknown team, bad duration) end the command with this message and exit code 1. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** What the audit trail keeps of a key: never the secret, only its non-secret display prefix. */
    static Map<String, Object> keyView(VirtualKey key) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", key.id());
        view.put("display_prefix", key.displayPrefix());
        view.put("owner_type", key.ownerType());
        view.put("owner_id", key.ownerId());
        view.put("team_id", key.teamId());
        view.put("expires_at", key.expiresAt());
        view.put("revoked_at", key.revokedAt());
        return view;
    }

    static Duration duration(String text, String option) {
        Duration d = AdminBody.parseDuration(text);
        if (d == null) {
            throw new Refused(option + " must be a duration such as 90s, 24h or 30d, got '" + text + "'");
        }
        return d;
    }

    /** A command's work: the identity stores, the audit log (every change made here is audited too) and the output. */
    @FunctionalInterface
    interface Work {
        int run(Identity identity, AuditLog audit, PrintWriter out);
    }

    static int run(CommandSpec spec, StorageOptions storage, Work work) {
        try (Database db = storage.open()) {
            return work.run(Identity.over(db), new AuditLog(db), spec.commandLine().getOut());
        } catch (Refused | ConflictException e) {
            spec.commandLine().getErr().println("gatehouse: " + e.getMessage());
            return 1;
        }
    }

    static final class Owner {
        @Option(names = "--team", paramLabel = "TEAM", description = "A team key (team id or name)")
        String team;
        @Option(names = "--user", paramLabel = "USER", description = "A user's key (user id or email)")
        String user;
        @Option(names = "--service-account", paramLabel = "ID", description = "A service account's key")
        String service;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; it is shown once.")
    static final class Create implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Owner owner;
        @Option(names = "--name", description = "A label for the key")
        String name;
        @Option(names = "--expires-in", paramLabel = "DURATION", description = "e.g. 30d, 12h (default: never)")
        String expiresIn;
        @Option(names = "--policy", paramLabel = "POLICY", description = "Attach an access policy (id or name); repeatable")
        List<String> policies = new ArrayList<>();

        @Override
        public Integer call() {
            return run(spec, storage, (identity, audit, out) -> {
                String ownerType;
                String ownerId;
                String teamId;
                String ownerName;
                if (owner.team != null) {
                    Team team = identity.teams().get(owner.team).or(() -> identity.teams().byName(owner.team))
                            .orElseThrow(() -> new Refused("no team '" + owner.team + "'"));
                    ownerType = VirtualKey.OWNER_TEAM;
                    ownerId = team.id();
                    teamId = team.id();
                    ownerName = "team " + team.name();
                } else {
                    String ref = owner.user != null ? owner.user : owner.service;
                    String kind = owner.user != null ? User.PERSON : User.SERVICE;
                    User user = identity.users().get(ref).or(() -> identity.users().list(kind, null, 500, null).items().stream()
                                    .filter(u -> ref.equalsIgnoreCase(u.email())).findFirst())
                            .filter(u -> u.kind().equals(kind))
                            .orElseThrow(() -> new Refused("no " + (owner.user != null ? "user" : "service account") + " '" + ref + "'"));
                    ownerType = owner.user != null ? VirtualKey.OWNER_USER : VirtualKey.OWNER_SERVICE;
                    ownerId = user.id();
                    teamId = user.teamId();
                    ownerName = (owner.user != null ? "user " : "service account ") + user.name();
                }
                List<AccessPolicy> attach = new ArrayList<>();
                for (String ref : policies) {
                    attach.add(identity.policies().get(ref).or(() -> identity.policies().byName(teamId, ref))
                            .orElseThrow(() -> new Refused("no policy '" + ref + "'")));
                }
                Long expiresAt = expiresIn == null ? null : System.currentTimeMillis() + duration(expiresIn, "--expires-in").toMillis();
                IssuedKey issued = identity.keys().create(new KeyStore.NewKey(name, ownerType, ownerId, teamId, expiresAt));
                for (AccessPolicy p : attach) {
                    identity.policies().attach(p.id(), "key", issued.key().id());
                }
                audit.append("cli", "cli", null, null, "key.create", "key", issued.key().id(), null, keyView(issued.key()));
                out.println("Created key " + issued.key().id() + " for " + ownerName
                        + (expiresAt == null ? "" : ", expires " + Instant.ofEpochMilli(expiresAt))
                        + (attach.isEmpty() ? "" : ", policies: " + String.join(", ", attach.stream().map(AccessPolicy::name).toList())));
                out.println();
                out.println("    " + issued.secret());
                out.println();
                out.println("This is the only time the key is shown; only its hash is stored.");
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never the keys themselves).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;
        @Option(names = "--team", paramLabel = "TEAM", description = "Only this team's keys (id or name)")
        String team;

        @Override
        public Integer call() {
            return run(spec, storage, (identity, audit, out) -> {
                String teamId = team == null ? null : identity.teams().get(team).or(() -> identity.teams().byName(team))
                        .map(Team::id).orElseThrow(() -> new Refused("no team '" + team + "'"));
                String format = "%-22s %-16s %-14s %-8s %-24s %-22s %-8s %-20s %s%n";
                out.printf(format, "ID", "NAME", "PREFIX", "OWNER", "OWNER ID", "TEAM", "STATUS", "EXPIRES", "LAST USED");
                long now = System.currentTimeMillis();
                String cursor = null;
                do {
                    Page<VirtualKey> page = identity.keys().list(teamId, null, 500, cursor);
                    for (VirtualKey k : page.items()) {
                        out.printf(format, k.id(), k.name() == null ? "-" : k.name(), k.displayPrefix(), k.ownerType(), k.ownerId(),
                                k.teamId() == null ? "-" : k.teamId(), k.status(now), time(k.expiresAt()), time(k.lastUsedAt()));
                    }
                    cursor = page.next();
                } while (cursor != null);
                return 0;
            });
        }

        private static String time(Long millis) {
            return millis == null ? "-" : Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key; running gateways refuse it within a second.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "KEY_ID")
        String id;

        @Override
        public Integer call() {
            return run(spec, storage, (identity, audit, out) -> {
                VirtualKey key = identity.keys().revoke(id).orElseThrow(() -> new Refused("no key '" + id + "'"));
                audit.append("cli", "cli", null, null, "key.revoke", "key", key.id(), null, keyView(key));
                out.println("Revoked key " + key.id() + " (" + key.displayPrefix() + ")");
                return 0;
            });
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Issue a replacement key; the old one keeps working for the grace period.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "KEY_ID")
        String id;
        @Option(names = "--grace", paramLabel = "DURATION", description = "How long the old key stays valid (default: 24h)")
        String grace = "24h";

        @Override
        public Integer call() {
            return run(spec, storage, (identity, audit, out) -> {
                Duration g = duration(grace, "--grace");
                KeyStore.Rotation r = identity.keys().rotate(id, g.toMillis()).orElseThrow(() -> new Refused("no key '" + id + "'"));
                audit.append("cli", "cli", null, null, "key.rotate", "key", id, keyView(r.old()), keyView(r.replacement().key()));
                out.println("Rotated key " + id + " to " + r.replacement().key().id() + "; the old key works until "
                        + Instant.ofEpochMilli(r.old().expiresAt()));
                out.println();
                out.println("    " + r.replacement().secret());
                out.println();
                out.println("This is the only time the key is shown; only its hash is stored.");
                return 0;
            });
        }
    }
}

package dev.gatehouse.cli;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.ConflictException;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.Team;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.Page;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatehouse teams create|list}. */
@Command(name = "teams", mixinStandardHelpOptions = true, description = "Create and list teams.",
        subcommands = {TeamsCommand.Create.class, TeamsCommand.ListTeams.class})
public final class TeamsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a team.")
    static final class Create implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "The team's name (unique)")
        String name;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Database db = storage.open()) {
                Team team = Identity.over(db).teams().create(name);
                new AuditLog(db).append("cli", "cli", null, null, "team.create", "team", team.id(), null,
                        Map.of("id", team.id(), "name", team.name()));
                out.println("Created team " + team.name() + " (" + team.id() + ")");
                return 0;
            } catch (ConflictException e) {
                spec.commandLine().getErr().println("gatehouse: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List teams.")
    static final class ListTeams implements Callable<Integer> {
        @Mixin
        StorageOptions storage;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Database db = storage.open()) {
                Identity identity = Identity.over(db);
                out.printf("%-22s %-30s %s%n", "ID", "NAME", "CREATED");
                String cursor = null;
                do {
                    Page<Team> page = identity.teams().list(500, cursor);
                    for (Team t : page.items()) {
                        out.printf("%-22s %-30s %s%n", t.id(), t.name(), Instant.ofEpochMilli(t.createdAt()));
                    }
                    cursor = page.next();
                } while (cursor != null);
                return 0;
            }
        }
    }
}

package dev.gatehouse.cli;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StorageException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse migrate}: applies the database migrations of this release and exits, so a
 * cluster can migrate once per release (a Kubernetes Job before the rollout) while its nodes run
 * with {@code storage.migrate-at-start: false}. Exit 0 when the schema is current (whether or not
 * anything was applied), 1 with the reason when it could not be migrated, 2 for a bad config.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply the database migrations of this release and exit (once per release, before nodes start).")
public final class MigrateCommand implements Callable<Integer> {
    @Mixin
    StorageOptions storage;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GatehouseConfig config;
        try {
            config = storage.loadConfig();
        } catch (ConfigException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("gatehouse migrate: " + e.getMessage());
            return 2;
        }
        try {
            Database.Migration done = Database.migrateOnly(config.storage().url(), config.storage().username(),
                    config.storage().password(), storage.data);
            String where = done.database();
            spec.commandLine().getOut().println(done.applied() == 0
                    ? "Database " + where + " is at version " + done.to() + ": nothing to migrate"
                    : "Database " + where + " migrated from version " + done.from() + " to " + done.to() + " (" + done.applied()
                            + " migration" + (done.applied() == 1 ? "" : "s") + " applied)");
            return 0;
        } catch (StorageException e) {
            spec.commandLine().getErr().println("gatehouse migrate: " + e.getMessage());
            return 1;
        }
    }
}

package dev.gatehouse.cli;

import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that find the database the way {@code start} does ({@code --config}, {@code --data}),
 * so admin commands work on the same data, also while the server runs (it picks changes up
 * within a second).
 */
final class StorageOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config (default: ./gatehouse.yaml if present, else the built-in demo)")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder of the SQLite database (default: ./data)")
    Path data = Path.of("data");

    GatehouseConfig loadConfig() {
        Path file = config;
        if (file == null && Files.exists(Path.of("gatehouse.yaml"))) {
            file = Path.of("gatehouse.yaml");
        }
        if (file != null && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        }
        return file == null ? ConfigLoader.demo() : ConfigLoader.load(file);
    }

    Database open(GatehouseConfig config) {
        return Database.open(config.storage().url(), config.storage().username(), config.storage().password(), data,
                config.storage().migrateAtStart());
    }

    /** Opens the database of the config found the same way as {@code start}. */
    Database open() {
        return open(loadConfig());
    }
}

package dev.gatehouse;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.ProviderConfig;
import dev.gatehouse.dialect.ProviderFactory;
import dev.gatehouse.provider.Provider;
import dev.gatehouse.provider.http.ConnectivityCheck;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse check}: validates the config and asks every provider its model list with the
 * configured base URL and key, so a wrong base URL (404 on every call) or a refused key shows up
 * before users do. Exit code 0 when every provider answered, 1 otherwise, 2 for a bad config.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check the config and that every provider answers with its base URL and key.")
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config (default: ./gatehouse.yaml if present, else the built-in demo)")
    Path config;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Deadline per provider (default: 10)")
    int timeoutSeconds = 10;

    @Override
    public Integer call() {
        Path file = config != null ? config : Files.exists(Path.of("gatehouse.yaml")) ? Path.of("gatehouse.yaml") : null;
        GatehouseConfig loaded;
        try {
            loaded = file == null ? ConfigLoader.demo() : ConfigLoader.load(file);
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("gatehouse: config: " + e.getMessage());
            return 2;
        }
        System.out.println("config " + (file == null ? "(built-in demo)" : file) + ": valid");
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = Gatehouse.upstreamClient(vertx);
            ProviderFactory factory = new ProviderFactory(vertx, client, loaded.outbound());
            List<Provider> providers = new ArrayList<>();
            for (ProviderConfig provider : loaded.providers().values()) {
                providers.add(factory.create(provider));
            }
            List<ConnectivityCheck.Finding> findings =
                    ConnectivityCheck.run(client, providers, Duration.ofSeconds(timeoutSeconds)).await();
            boolean allOk = true;
            for (ConnectivityCheck.Finding f : findings) {
                allOk &= f.ok();
                System.out.println("provider " + f.provider() + ": " + (f.status() < 0 ? "not checked (no model list to ask)"
                        : f.ok() ? "ok (" + f.status() + " from " + f.url() + ")" : "PROBLEM: " + f.problem() + " (" + f.url() + ")"));
            }
            providers.forEach(Provider::close);
            return allOk ? 0 : 1;
        } finally {
            vertx.close().await();
        }
    }
}

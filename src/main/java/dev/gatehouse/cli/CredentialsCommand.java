package dev.gatehouse.cli;

import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.secrets.CredentialStore;
import dev.gatehouse.secrets.SecretCipher;
import dev.gatehouse.secrets.SecretException;
import dev.gatehouse.secrets.TeamCredentials;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StorageException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gatehouse credentials reencrypt}: master key rotation for stored provider credentials. */
@Command(name = "credentials", mixinStandardHelpOptions = true, description = "Manage stored provider credentials (BYOK).",
        subcommands = {CredentialsCommand.Reencrypt.class})
public final class CredentialsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "reencrypt", mixinStandardHelpOptions = true,
            description = "Re-encrypt every provider credential under the current (first) key of "
                    + SecretCipher.ENV + ". Older keys must still be listed after it.")
    static final class Reencrypt implements Callable<Integer> {
        @Mixin
        StorageOptions storage;

        @Override
        public Integer call() {
            try {
                GatehouseConfig config = storage.loadConfig();
                SecretCipher cipher = SecretCipher.parse(config.secrets().encryptionKeys() != null
                        ? config.secrets().encryptionKeys() : System.getenv(SecretCipher.ENV));
                try (Database db = storage.open(config)) {
                    TeamCredentials.Reencryption r = new TeamCredentials(new CredentialStore(db), cipher).reencryptAll();
                    new AuditLog(db).append("cli", "cli", null, null, "credentials.reencrypt",
                            "provider_credential", null, null, Map.of("current_key_id", r.currentKeyId(),
                                    "reencrypted", r.reencrypted(), "already_current", r.alreadyCurrent(), "failed", r.failed()));
                    System.out.println("re-encrypted " + r.reencrypted() + " credential(s) under key '" + r.currentKeyId()
                            + "' (" + r.alreadyCurrent() + " already current, " + r.failed() + " failed)");
                    return r.failed() == 0 ? 0 : 1;
                }
            } catch (ConfigException | StorageException | SecretException | IllegalArgumentException e) {
                System.err.println("gatehouse: credentials reencrypt: " + e.getMessage());
                return 2;
            }
        }
    }
}

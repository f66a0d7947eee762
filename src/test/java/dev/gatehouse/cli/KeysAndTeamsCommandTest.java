package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.Main;
import dev.gatehouse.identity.ApiKeys;
import dev.gatehouse.identity.Identity;
import dev.gatehouse.identity.VirtualKey;
import dev.gatehouse.store.Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The admin commands, run in-process against a temporary SQLite database, checked by their output and the stored rows. */
class KeysAndTeamsCommandTest {
    @TempDir
    Path data;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data";
        all[args.length + 1] = data.toString();
        int exit = cli.execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    static String secret(String output) {
        Matcher m = Pattern.compile("\\b(gh-[A-Za-z0-9_-]{43})\\b").matcher(output);
        assertThat(m.find()).as("a key in: " + output).isTrue();
        return m.group(1);
    }

    @Test
    void teamsAreCreatedAndListed() {
        Run created = run("teams", "create", "eng");
        assertThat(created.exit()).isZero();
        assertThat(created.out()).startsWith("Created team eng (team_");
        assertThat(run("teams", "create", "eng").exit()).isEqualTo(1);
        run("teams", "create", "ops");
        Run list = run("teams", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("ID", "NAME", "eng", "ops");
    }

    @Test
    void keysAreCreatedShownOnceListedRotatedAndRevoked() {
        run("teams", "create", "eng");
        Run created = run("keys", "create", "--team", "eng", "--name", "ci", "--expires-in", "30d");
        assertThat(created.exit()).as(created.err()).isZero();
        String secret = secret(created.out());
        String id = created.out().replaceAll("(?s).*Created key (key_[0-9a-f]+).*", "$1");
        assertThat(created.out()).contains("only time the key is shown");

        Run list = run("keys", "list", "--team", "eng");
        assertThat(list.out()).contains(id, "ci", secret.substring(0, 10), "active").doesNotContain(secret);

        Run rotated = run("keys", "rotate", id, "--grace", "1h");
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        String replacement = secret(rotated.out());
        assertThat(replacement).isNotEqualTo(secret);

        Run revoked = run("keys", "revoke", id);
        assertThat(revoked.exit()).isZero();
        assertThat(revoked.out()).contains("Revoked key " + id);
        assertThat(run("keys", "list").out()).contains("revoked");

        try (Database db = Database.open(null, null, null, data)) {
            Identity identity = Identity.over(db);
            VirtualKey old = identity.keys().get(id).orElseThrow();
            assertThat(old.keyHash()).isEqualTo(ApiKeys.sha256Hex(secret));
            assertThat(old.revokedAt()).isNotNull();
            assertThat(identity.keys().get(old.rotatedTo()).orElseThrow().keyHash()).isEqualTo(ApiKeys.sha256Hex(replacement));
            // Changes made from the command line are admin changes too: audited, chained, without secrets.
            dev.gatehouse.audit.AuditLog audit = new dev.gatehouse.audit.AuditLog(db);
            assertThat(audit.verify().intact()).isTrue();
            assertThat(audit.verify().entries()).isEqualTo(4); // team.create, key.create, key.rotate, key.revoke
            StringBuilder trail = new StringBuilder();
            audit.export(dev.gatehouse.audit.AuditQuery.ALL, entry -> trail.append(entry).append('\n'));
            assertThat(trail.toString()).contains("key.create", "key.rotate", "key.revoke")
                    .doesNotContain(secret).doesNotContain(replacement);
        }
    }

    @Test
    void mistakesAreReportedWithoutAStackTrace() {
        Run noTeam = run("keys", "create", "--team", "ghosts");
        assertThat(noTeam.exit()).isEqualTo(1);
        assertThat(noTeam.err()).contains("no team 'ghosts'").doesNotContain("Exception");
        Run noOwner = run("keys", "create");
        assertThat(noOwner.exit()).isEqualTo(2);
        assertThat(run("keys", "revoke", "key_missing").err()).contains("no key 'key_missing'");
        run("teams", "create", "eng");
        assertThat(run("keys", "create", "--team", "eng", "--expires-in", "soon").err()).contains("--expires-in");
    }
}

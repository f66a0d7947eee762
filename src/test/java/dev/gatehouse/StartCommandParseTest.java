package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * A plain {@code start} line is parsed without picocli; it must mean exactly what picocli makes of
 * it, and every other line must be left to picocli (help, errors and their messages).
 */
class StartCommandParseTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "start",
            "start --config gatehouse.yaml",
            "start --config=conf/gatehouse.yaml --port 8080 --data /var/lib/gatehouse",
            "start --port=0 --host 0.0.0.0 --reset-master-key",
            "start --reset-master-key --data=./data --port 00080",
            "start --host ::1 --port 65535",
            "start --migrate-at-start false --config gatehouse.yaml",
            "start --migrate-at-start=true"})
    void aPlainLineMeansWhatItMeansToPicocli(String line) {
        String[] args = line.split(" ");
        StartCommand plain = StartCommand.parsePlain(args);
        StartCommand picocli = new StartCommand();
        new CommandLine(picocli).parseArgs(java.util.Arrays.copyOfRange(args, 1, args.length));

        assertThat(plain).as(line).isNotNull();
        assertThat(plain.config).isEqualTo(picocli.config);
        assertThat(plain.host).isEqualTo(picocli.host);
        assertThat(plain.port).isEqualTo(picocli.port);
        assertThat(plain.data).isEqualTo(picocli.data);
        assertThat(plain.resetMasterKey).isEqualTo(picocli.resetMasterKey);
        assertThat(plain.migrateAtStart).isEqualTo(picocli.migrateAtStart);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "start --help", "start -h", "start --version", "start -V",
            "start --port", "start --port abc", "start --port 0x50", "start --port -1", "start --port 1234567",
            "start --config", "start --config=", "start --config a.yaml --config b.yaml",
            "start --reset-master-key=true", "start --verbose", "start extra",
            "start --migrate-at-start", "start --migrate-at-start yes", "start --migrate-at-start=FALSE",
            "keys list", "--help", "strat"})
    void everythingElseIsLeftToPicocli(String line) {
        assertThat(StartCommand.parsePlain(line.split(" "))).as(line).isNull();
    }

    @Test
    void noArgumentsIsLeftToPicocli() {
        assertThat(StartCommand.parsePlain()).isNull();
    }
}

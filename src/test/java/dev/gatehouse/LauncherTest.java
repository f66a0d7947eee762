package dev.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./gatehouse} launcher script, run for real against a checkout of stand-ins: a JDK
 * whose {@code java} writes down how it was called, and a Maven wrapper that writes down that it
 * built. A start with a current jar and archive must go straight to the gateway (no build, no
 * archive recording, no {@code java -version}); a changed source must still rebuild first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LauncherTest {
    @TempDir
    Path root;
    Path jdk;
    Path calls;

    @BeforeEach
    void checkout() throws IOException {
        Files.copy(Path.of("gatehouse"), root.resolve("gatehouse"));
        executable(root.resolve("gatehouse"));
        calls = root.resolve("calls.log");
        Files.createDirectories(root.resolve("src/main/java"));
        Files.writeString(root.resolve("src/main/java/A.java"), "class A {}");
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        // Maven stand-in: "builds" the jar and its lib folder.
        script(root.resolve("mvnw"), """
                echo "mvn $*" >>"%s"
                mkdir -p target/lib && echo jar >target/gatehouse.jar
                """.formatted(calls));
        jdk = jdk("25.0.3", true);
        // A built checkout: sources, then the jar, then the archive recorded from it.
        Files.createDirectories(root.resolve("target/lib"));
        Files.writeString(root.resolve("target/gatehouse.jar"), "jar");
        Files.writeString(root.resolve("target/gatehouse.aot"), "aot");
        age(root.resolve("pom.xml"), 300);
        age(root.resolve("src/main/java/A.java"), 300);
        age(root.resolve("src/main/java"), 300); // a folder's time changes when a file is added to it
        age(root.resolve("src/main"), 300);
        age(root.resolve("target/gatehouse.jar"), 200);
        age(root.resolve("target/gatehouse.aot"), 100);
    }

    @Test
    void aBuiltCheckoutStartsTheGatewayAtOnce() throws Exception {
        Result result = launch("start", "--port", "0");

        assertThat(result.exit()).as(result.output()).isZero();
        List<String> calls = calls();
        assertThat(calls).hasSize(1); // no java -version, no build, no archive recording
        assertThat(calls.getFirst()).startsWith("java ")
                .contains("-XX:AOTCache=" + root.resolve("target/gatehouse.aot"))
                .endsWith("-jar " + root.resolve("target/gatehouse.jar") + " start --port 0");
    }

    @Test
    void aChangedSourceIsRebuiltAndItsArchiveRecordedBeforeTheStart() throws Exception {
        Files.writeString(root.resolve("src/main/java/A.java"), "class A { int changed; }");

        Result result = launch("start");

        assertThat(result.exit()).as(result.output()).isZero();
        List<String> calls = calls();
        assertThat(calls).hasSize(3);
        assertThat(calls.get(0)).startsWith("mvn ").contains("package");
        assertThat(calls.get(1)).startsWith("java ").contains("-XX:AOTCacheOutput=").endsWith("training-run");
        assertThat(calls.get(2)).startsWith("java ").endsWith(" start");
    }

    @Test
    void aJarBuiltByMavenDirectlyGetsItsArchiveRecorded() throws Exception {
        age(root.resolve("target/gatehouse.jar"), 50); // newer than the archive

        Result result = launch("start");

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(calls()).hasSize(2);
        assertThat(calls().get(0)).contains("-XX:AOTCacheOutput=").endsWith("training-run");
    }

    @Test
    void theArchiveIsRecordedWithoutTrainingDataAndStillRecordedByAJdkWithoutThatSwitch() throws Exception {
        age(root.resolve("target/gatehouse.jar"), 50);
        Result result = launch("start");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(calls().getFirst()).contains("-XX:-AOTRecordTraining").endsWith("training-run");

        // A JDK that no longer knows the diagnostic switch refuses to start with it: recorded again without it.
        Files.delete(calls);
        age(root.resolve("target/gatehouse.aot"), 100); // the jar (50 s) is newer again
        Files.writeString(jdk.resolve("bin/java"), Files.readString(jdk.resolve("bin/java")).replace("for arg in", "case \"$*\" in *AOTRecordTraining*) echo 'Unrecognized VM option' >&2; exit 1 ;; esac\nfor arg in"));
        result = launch("start");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).doesNotContain("could not record");
        assertThat(calls()).hasSize(3);
        assertThat(calls().get(1)).doesNotContain("AOTRecordTraining").contains("-XX:AOTCacheOutput=").endsWith("training-run");
        assertThat(root.resolve("target/gatehouse.aot")).exists();
        assertThat(calls().get(2)).contains("-XX:AOTCache=").endsWith(" start");
    }

    @Test
    void aJdkWithoutAReleaseFileIsAskedForItsVersion() throws Exception {
        jdk = jdk("25.0.3", false);

        Result result = launch("start");

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(calls()).hasSize(3).allMatch(call -> call.startsWith("java "));
        assertThat(calls().get(0)).isEqualTo("java -version"); // once to choose the JDK, once for its flags
        assertThat(calls().get(2)).contains("-XX:AOTCache=");
    }

    @Test
    void aJavaHomeThatIsTooOldIsIgnoredWithANote() throws Exception {
        jdk = jdk("17.0.15", true);

        Result result = launch("start");

        assertThat(result.output()).contains("ignoring JAVA_HOME=" + jdk + ": not a JDK 21 or newer (java 17)");
        assertThat(calls()).noneMatch(call -> call.contains("-jar " + root.resolve("target/gatehouse.jar")) && call.startsWith("java "));
    }

    private Path jdk(String version, boolean releaseFile) throws IOException {
        Path home = root.resolve("jdk-" + version + (releaseFile ? "" : "-norelease"));
        Files.createDirectories(home.resolve("bin"));
        // java stand-in: -version answers like the real one; a recording run writes its archive.
        script(home.resolve("bin/java"), """
                echo "java $*" >>"%s"
                if [ "$1" = -version ]; then echo 'openjdk version "%s" 2026-04-21 LTS' >&2; exit 0; fi
                for arg in "$@"; do
                    case $arg in -XX:AOTCacheOutput=*) echo aot >"${arg#-XX:AOTCacheOutput=}" ;; esac
                done
                exit 0
                """.formatted(calls, version));
        script(home.resolve("bin/javac"), "exit 0\n");
        if (releaseFile) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        }
        return home;
    }

    private record Result(int exit, String output) {
    }

    private Result launch(String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder();
        builder.command().add(root.resolve("gatehouse").toString());
        builder.command().addAll(List.of(args));
        builder.directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", jdk.toString());
        builder.environment().remove("GATEHOUSE_JAVA_OPTS");
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("launcher did not finish in 30 s");
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        executable(file);
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void age(Path file, int secondsAgo) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(secondsAgo)));
    }
}

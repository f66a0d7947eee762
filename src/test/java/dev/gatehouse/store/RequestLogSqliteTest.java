package dev.gatehouse.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

class RequestLogSqliteTest extends RequestLogStoreContract {
    private Path dir;

    @Override
    Database openFresh() throws Exception {
        dir = Files.createTempDirectory("gatehouse-requestlog");
        return Database.open(null, null, null, dir);
    }

    @Override
    void dropFresh() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

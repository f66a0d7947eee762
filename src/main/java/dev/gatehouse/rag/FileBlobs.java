package dev.gatehouse.rag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The bytes of uploaded files, one file per upload under {@code <data>/rag/files}, named by the
 * file's id (which the gateway makes, so never a caller's path). In server mode this folder is a
 * cache of the bytes kept in the database ({@link SharedChunks}). Blocking: call off the event loop.
 */
public final class FileBlobs {
    private static final Pattern ID = Pattern.compile("file-[0-9a-f]{24}");
    private final Path folder;

    public FileBlobs(Path folder) {
        this.folder = folder;
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
    }

    public Path path(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a file id: " + id);
        }
        return folder.resolve(id);
    }

    /** Moves an upload (already on disk) into place. */
    public void adopt(Path upload, String id) throws IOException {
        Files.move(upload, path(id), StandardCopyOption.REPLACE_EXISTING);
    }

    public void delete(String id) throws IOException {
        Files.deleteIfExists(path(id));
    }

    /** The folder the bytes are in. */
    Path folder() {
        return folder;
    }

    /** The names of copies being fetched from the database (or left half fetched by a crash). */
    java.util.List<String> partials() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".part")).toList();
        }
    }

    /** The ids of the files held here. */
    public java.util.List<String> ids() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> ID.matcher(n).matches()).toList();
        }
    }
}

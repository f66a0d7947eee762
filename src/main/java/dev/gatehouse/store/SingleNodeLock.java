package dev.gatehouse.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One gateway per SQLite database: a second one would keep its own keys, limits and budget
 * balances in memory beside the first, so limits would double and changes would not reach it.
 * The gateway holds an exclusive lock on {@code <database file>.node-lock} while it runs (the
 * operating system drops it when the process dies, however it dies). Command-line tools do not
 * take it: they may change the database while a gateway runs. PostgreSQL needs no lock.
 */
public final class SingleNodeLock implements AutoCloseable {
    private static final SingleNodeLock NONE = new SingleNodeLock(null, null);

    private final FileChannel channel;
    private final FileLock lock;

    private SingleNodeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock for the database this storage URL names (as {@link Database#open} resolves
     * it), or does nothing for PostgreSQL and in-memory SQLite.
     *
     * @throws StorageException when another gateway holds it, saying to use PostgreSQL for several nodes
     */
    public static SingleNodeLock acquire(String jdbcUrl, Path dataDir) {
        String url = jdbcUrl == null || jdbcUrl.isBlank() ? Database.defaultSqliteUrl(dataDir) : jdbcUrl.strip();
        if (JdbcUrls.dialectOf(url) != Dialect.SQLITE) {
            return NONE;
        }
        Path file = JdbcUrls.sqliteFile(url);
        if (file == null) {
            return NONE;
        }
        Path lockFile = file.resolveSibling(file.getFileName() + ".node-lock");
        FileChannel channel = null;
        try {
            if (lockFile.getParent() != null) {
                Files.createDirectories(lockFile.getParent());
            }
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return new SingleNodeLock(channel, lock);
            }
        } catch (OverlappingFileLockException e) {
            // held by another gateway in this same process
        } catch (IOException e) {
            close(channel);
            throw new StorageException("Cannot open database " + JdbcUrls.mask(url) + ": cannot lock " + lockFile + " (" + e + ")", e);
        }
        close(channel);
        throw new StorageException("Another Gatehouse node is running on the SQLite database " + file
                + ". SQLite serves one node only; to run several nodes, use PostgreSQL (storage.url: jdbc:postgresql://...)"
                + " and Redis (redis.url), see docs/cluster.md");
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held
            }
        }
    }

    @Override
    public void close() {
        if (lock != null) {
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            close(channel);
        }
    }
}

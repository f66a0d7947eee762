package dev.gatehouse.store;

/**
 * Storage failed: the database could not be opened or a statement failed. Unchecked, because
 * callers cannot recover from it locally; the message names the database (password masked) and
 * the reason, so an operator can act on it without reading a stack trace.
 */
public final class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}

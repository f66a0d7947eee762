package dev.gatehouse.identity;

/** A change that clashes with stored data (duplicate name, team still in use, ...): a 409 for the admin API. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message, null, false, false);
    }
}

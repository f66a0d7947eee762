package dev.gatehouse.identity;

/** A key just created or rotated: the stored record and the secret, shown this once. */
public record IssuedKey(VirtualKey key, String secret) {}

package dev.gatehouse.store;

/** The SQL databases Gatehouse stores its state in; repositories branch on this only where SQL differs. */
public enum Dialect {
    /** Embedded default: one file under the data folder, nothing to install. */
    SQLITE,
    /** Server mode: shared by several gateway nodes. */
    POSTGRESQL
}

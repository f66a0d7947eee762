package dev.gatehouse.store;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the schema already holds every migration bundled with this build, unchanged, read with
 * one SELECT of Flyway's history table, so that a restart need not build Flyway at all (its
 * configuration alone took ~350 ms of a one-core start without the startup archive, ~65 ms with
 * it). Anything short of a plain "yes" (no history yet, a pending, failed or edited migration, a
 * migration in the schema that this build does not know, a folder it cannot list) answers no, and
 * Flyway runs as it always did, under its lock: it applies what is pending and refuses what it
 * refuses.
 */
final class SchemaHistory {
    private static final Logger log = LoggerFactory.getLogger(SchemaHistory.class);
    /** Flyway's default history table (Database does not rename it). */
    static final String TABLE = "flyway_schema_history";
    /** Flyway's versioned SQL migration names: V15_1__usage_daily.sql is version "15.1". */
    private static final Pattern VERSIONED = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__[^/]+\\.sql");

    private SchemaHistory() {
    }

    /**
     * True when every migration under {@code folder} (a class-path folder such as
     * {@code db/migration}) is recorded as applied with its current checksum, and the history holds
     * nothing else. Never throws: a doubt is a false.
     */
    static boolean current(DataSource dataSource, Dialect dialect, ClassLoader loader, String folder) {
        try {
            Map<String, Integer> bundled = bundled(loader, folder);
            if (bundled == null || bundled.isEmpty()) {
                return false;
            }
            return matches(applied(dataSource, dialect), bundled);
        } catch (IOException | SQLException | RuntimeException e) {
            log.debug("schema history not read ({}); Flyway checks the schema", e.toString());
            return false;
        }
    }

    /** Versions in the history table with their checksums; null when a row is not a plain, successful versioned migration. */
    private static Map<String, Integer> applied(DataSource dataSource, Dialect dialect) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(10);
            String table = TABLE;
            if (dialect == Dialect.POSTGRESQL) {
                // Flyway keeps its table in the connection's current schema; an unqualified name could
                // find another schema's table further down the search path.
                try (ResultSet rs = statement.executeQuery("SELECT current_schema()")) {
                    if (!rs.next() || rs.getString(1) == null) {
                        return null;
                    }
                    table = '"' + rs.getString(1).replace("\"", "\"\"") + "\"." + TABLE;
                }
            }
            Map<String, Integer> applied = new HashMap<>();
            try (ResultSet rs = statement.executeQuery("SELECT version, checksum, success FROM " + table)) {
                while (rs.next()) {
                    String version = rs.getString(1);
                    int checksum = rs.getInt(2);
                    boolean noChecksum = rs.wasNull();
                    if (version == null || noChecksum || !rs.getBoolean(3) || applied.put(version, checksum) != null) {
                        return null; // repeatable, schema marker, baseline, failed or repeated: Flyway's business
                    }
                }
            }
            return applied;
        }
    }

    static boolean matches(Map<String, Integer> applied, Map<String, Integer> bundled) {
        return applied != null && applied.equals(bundled);
    }

    /**
     * The versioned SQL migrations under a class-path folder, in a jar or a classes folder (every
     * such folder on the class path, as Flyway scans them), version to Flyway's checksum; null when
     * a folder is somewhere else (Flyway will know what to do with it).
     */
    static Map<String, Integer> bundled(ClassLoader loader, String folder) throws IOException {
        Map<String, Integer> migrations = new HashMap<>();
        Enumeration<URL> roots = loader.getResources(folder);
        while (roots.hasMoreElements()) {
            URL root = roots.nextElement();
            switch (root.getProtocol()) {
                case "file" -> {
                    File[] files = new File(URI.create(root.toString())).listFiles(File::isFile); // %20 and the like decoded
                    if (files == null) {
                        return null;
                    }
                    for (File file : files) {
                        if (!add(migrations, file.getName(), () -> new java.io.FileInputStream(file))) {
                            return null;
                        }
                    }
                }
                case "jar" -> {
                    URLConnection connection = root.openConnection();
                    if (!(connection instanceof JarURLConnection jarConnection)) {
                        return null;
                    }
                    jarConnection.setUseCaches(true); // the class loader's own open jar
                    JarFile jar = jarConnection.getJarFile();
                    String prefix = folder.endsWith("/") ? folder : folder + "/";
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry entry = entries.nextElement();
                        String name = entry.getName();
                        if (entry.isDirectory() || !name.startsWith(prefix) || name.indexOf('/', prefix.length()) >= 0) {
                            continue;
                        }
                        if (!add(migrations, name.substring(prefix.length()), () -> jar.getInputStream(entry))) {
                            return null;
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        return migrations;
    }

    private interface Source {
        InputStream open() throws IOException;
    }

    /** Adds one file; false when it is something this check does not understand (Flyway then runs). */
    private static boolean add(Map<String, Integer> migrations, String fileName, Source source) throws IOException {
        Matcher m = VERSIONED.matcher(fileName);
        if (!m.matches()) {
            return false; // a repeatable, a callback, a Java migration's resource, anything else
        }
        try (InputStream in = source.open()) {
            return migrations.put(m.group(1).replace('_', '.'), checksum(in)) == null;
        }
    }

    /**
     * Flyway's checksum of an SQL migration: CRC-32 of its lines' UTF-8 bytes, without line
     * endings and without a byte-order mark (so a file's checksum does not change with CRLF or a
     * BOM). SchemaHistoryTest checks it against what Flyway writes, for every bundled migration.
     */
    static int checksum(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 4096);
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);
            }
            crc.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return (int) crc.getValue();
    }
}

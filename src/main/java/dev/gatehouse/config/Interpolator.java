package dev.gatehouse.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in a scalar with environment values, and
 * {@code ${file:/path}} with the content of a file (a mounted secret, trailing line break removed);
 * {@code $${} stands for a literal {@code ${}. Shell-like on purpose, so secrets stay out of
 * the file and users already know the syntax: {@code :-} also applies when VAR is set but empty.
 */
final class Interpolator {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** {@code ${file:/run/secrets/openai}}: a secret mounted as a file (Docker, Kubernetes). */
    private static final String FILE = "file:";
    /** A secret is a key or a password, not a document: a larger file is a mistake. */
    private static final long MAX_SECRET_FILE_BYTES = 64 * 1024;

    /** The text after substitution and the variables that were unset and had no default. */
    record Resolved(String text, List<String> unset) {}

    private final Map<String, String> env;

    Interpolator(Map<String, String> env) {
        this.env = env;
    }

    /** @throws IllegalArgumentException on a malformed reference, with a message for the user */
    Resolved resolve(String text) {
        if (text.indexOf('$') < 0) {
            return new Resolved(text, List.of());
        }
        StringBuilder out = new StringBuilder(text.length());
        List<String> unset = new ArrayList<>(0);
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException(
                            "unclosed '${' in '" + text + "' (write $${ for a literal ${)");
                }
                out.append(substitute(text.substring(i + 2, end), unset));
                i = end + 1;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return new Resolved(out.toString(), unset);
    }

    private String substitute(String body, List<String> unset) {
        if (body.startsWith(FILE)) {
            return readSecretFile(body.substring(FILE.length()));
        }
        int sep = body.indexOf(":-");
        String name = sep < 0 ? body : body.substring(0, sep);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "invalid variable reference '${" + body + "}' (use ${NAME} or ${NAME:-default})");
        }
        String value = env.get(name);
        if (sep >= 0) {
            return value == null || value.isEmpty() ? body.substring(sep + 2) : value;
        }
        if (value == null) {
            unset.add(name);
            return "";
        }
        return value;
    }

    /** The file's text without its trailing line break(s); the error never quotes the content. */
    private static String readSecretFile(String path) {
        if (path.isBlank()) {
            throw new IllegalArgumentException("empty file reference '${file:}' (use ${file:/path/to/secret})");
        }
        try {
            Path file = Path.of(path);
            if (Files.size(file) > MAX_SECRET_FILE_BYTES) {
                throw new IllegalArgumentException("secret file '" + path + "' is larger than 64 KiB");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.length();
            while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
                end--;
            }
            return text.substring(0, end);
        } catch (IOException | InvalidPathException e) {
            throw new IllegalArgumentException("cannot read secret file '" + path + "' (" + e.getClass().getSimpleName() + ")");
        }
    }
}

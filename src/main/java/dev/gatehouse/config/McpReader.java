package dev.gatehouse.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads the {@code mcp} section. */
final class McpReader {
    /** Server names are path segments ({@code /mcp/{server}}) and tool-name prefixes. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Problems problems;

    McpReader(Problems problems) {
        this.problems = problems;
    }

    McpConfig read(Section s) {
        if (s == null) {
            return McpConfig.NONE;
        }
        String separator = s.string("separator");
        if (separator != null && (separator.isEmpty() || !separator.matches("[A-Za-z0-9_.\\-/:]{1,4}"))) {
            problems.error(s.node("separator"), s.child("separator"),
                    "must be 1-4 of the characters A-Z a-z 0-9 _ . - / :, got '" + separator + "'");
            separator = null;
        }
        String sep = separator == null ? McpConfig.DEFAULT_SEPARATOR : separator;
        Integer rounds = s.integer("max-rounds", 1, 50);
        Map<String, McpConfig.Server> servers = new LinkedHashMap<>();
        Section list = s.section("servers");
        if (list != null) {
            for (Section.Entry e : list.entries()) {
                String path = list.child(e.key());
                if (!NAME.matcher(e.key()).matches()) {
                    problems.error(e.keyNode(), path, "a server name must be 1-64 of A-Z a-z 0-9 _ . - (starting with a"
                            + " letter or digit), got '" + e.key() + "'");
                    continue;
                }
                if (e.key().contains(sep)) {
                    problems.error(e.keyNode(), path, "a server name must not contain the tool-name separator '" + sep
                            + "' (it would make '" + e.key() + sep + "tool' ambiguous): rename the server or set mcp.separator");
                    continue;
                }
                McpConfig.Server server = server(e.key(), list.sectionOf(e.value(), path, e.keyNode()));
                if (server != null) {
                    servers.put(e.key(), server);
                }
            }
        }
        s.finish();
        return new McpConfig(sep, rounds == null ? McpConfig.DEFAULT_MAX_ROUNDS : rounds, servers);
    }

    private McpConfig.Server server(String name, Section s) {
        if (s == null) {
            return null;
        }
        String transportText = s.string("transport");
        McpConfig.Transport transport = transportText == null ? null : McpConfig.Transport.of(transportText.trim());
        if (transport == null) {
            problems.error(s.keyNode("transport"), s.child("transport"), (transportText == null ? "missing" : "unknown transport '"
                    + transportText + "'") + ": one of streamable-http, sse, stdio, builtin");
        }
        String url = ProvidersReader.emptyToNull(s.string("url"));
        String command = ProvidersReader.emptyToNull(s.string("command"));
        List<String> args = s.strings("args");
        Map<String, String> env = strings(s.section("env"));
        Map<String, String> headers = strings(s.section("headers"));
        String credential = ProvidersReader.emptyToNull(s.string("credential"));
        Duration timeout = s.duration("timeout", false);
        Duration connectTimeout = s.duration("connect-timeout", false);
        Boolean prefix = s.bool("prefix");
        List<String> allow = null;
        List<String> deny = null;
        Section tools = s.section("tools");
        if (tools != null) {
            allow = tools.strings("allow");
            deny = tools.strings("deny");
            tools.finish();
        }
        Map<String, Long> prices = new LinkedHashMap<>();
        Section priceSection = s.section("prices");
        if (priceSection != null) {
            for (Section.Entry e : priceSection.entries()) {
                String text = e.value() == null ? null : priceSection.scalar(e.value(), priceSection.child(e.key()));
                try {
                    prices.put(e.key(), Micros.parse(text == null ? "" : text.trim()));
                } catch (IllegalArgumentException ex) {
                    problems.error(e.value() == null ? e.keyNode() : e.value(), priceSection.child(e.key()),
                            "must be a price in USD per call, e.g. 0.002: " + ex.getMessage());
                }
            }
        }
        if (transport != null) {
            switch (transport) {
                case STREAMABLE_HTTP, SSE -> {
                    if (url == null) {
                        problems.error(s.keyNode("url"), s.child("url"), "missing required key 'url' (the server's "
                                + (transport == McpConfig.Transport.SSE ? "event-stream URL, e.g. http://host:8080/sse)" : "MCP endpoint, e.g. http://host:8080/mcp)"));
                    } else if (!url.startsWith("http://") && !url.startsWith("https://")) {
                        problems.error(s.node("url"), s.child("url"), "must be an http(s) URL, got '" + url + "'");
                    }
                    if (command != null) {
                        problems.error(s.node("command"), s.child("command"), "only a stdio server has a command");
                    }
                }
                case STDIO -> {
                    if (command == null) {
                        problems.error(s.keyNode("command"), s.child("command"),
                                "missing required key 'command' (the program to start, e.g. npx; arguments go in args)");
                    } else if (command.contains(" ") && args == null) {
                        problems.error(s.node("command"), s.child("command"), "is started directly, never through a shell:"
                                + " put the arguments in 'args' (got '" + command + "')");
                    }
                    if (url != null) {
                        problems.error(s.node("url"), s.child("url"), "a stdio server has a command, not a url");
                    }
                }
                case BUILTIN -> {
                    if (!name.equals("gatehouse")) {
                        problems.error(s.keyNode("transport"), s.child("transport"),
                                "the built-in server must be named 'gatehouse', got '" + name + "'");
                    }
                }
            }
        }
        s.finish();
        if (transport == null) {
            return null;
        }
        return new McpConfig.Server(name, transport, url, command, args, env, headers, credential, timeout, connectTimeout,
                prefix == null || prefix, allow, deny, prices);
    }

    private Map<String, String> strings(Section s) {
        if (s == null) {
            return null;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Section.Entry e : s.entries()) {
            String v = e.value() == null ? "" : s.scalar(e.value(), s.child(e.key()));
            values.put(e.key(), v == null ? "" : v);
        }
        return values;
    }
}

package dev.gatehouse.mcp;

import dev.gatehouse.config.McpConfig;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.regex.Pattern;

/** A server's {@code tools: {allow, deny}} lists: which of its tools the gateway exposes at all. */
final class ToolFilter {
    private final List<Pattern> allow;
    private final List<Pattern> deny;

    ToolFilter(McpConfig.Server config) {
        this.allow = config.allowTools().stream().map(ToolFilter::glob).toList();
        this.deny = config.denyTools().stream().map(ToolFilter::glob).toList();
    }

    boolean exposes(String tool) {
        if (!allow.isEmpty() && allow.stream().noneMatch(p -> p.matcher(tool).matches())) {
            return false;
        }
        return deny.stream().noneMatch(p -> p.matcher(tool).matches());
    }

    List<McpSchema.Tool> apply(List<McpSchema.Tool> tools) {
        return tools.stream().filter(t -> exposes(t.name())).toList();
    }

    /** {@code *} any run of characters, {@code ?} one; the rest literal (as in access policies). */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            regex.append(switch (ch) {
                case '*' -> ".*";
                case '?' -> ".";
                default -> Pattern.quote(String.valueOf(ch));
            });
        }
        return Pattern.compile(regex.toString());
    }
}

package dev.gatehouse.mcp;

import dev.gatehouse.call.Principal;
import dev.gatehouse.config.McpConfig;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One upstream MCP server as the gateway sees it: its health, its tools as last listed, and the
 * requests a caller may forward to it. The request methods block (they run on virtual threads,
 * never on the event loop) and throw {@link McpFailure} when the server cannot answer.
 */
public interface McpUpstream extends AutoCloseable {
    McpConfig.Server config();

    default String name() {
        return config().name();
    }

    /** Up (tools listed, requests accepted) or down with why, and since when (epoch millis). */
    record Health(boolean up, String detail, long sinceMillis) {}

    Health health();

    /** The server's tools as last listed; empty while it is down. */
    List<McpSchema.Tool> tools();

    boolean offersResources();

    boolean offersPrompts();

    /**
     * @param caller who asks (the built-in server answers about the caller; BYOK servers use its team's credential)
     * @param progress told of the server's progress notifications for this call, or null
     */
    McpSchema.CallToolResult callTool(String tool, Map<String, Object> arguments, Principal caller,
            Consumer<McpSchema.ProgressNotification> progress);

    McpSchema.ListResourcesResult listResources(String cursor, Principal caller);

    McpSchema.ListResourceTemplatesResult listResourceTemplates(String cursor, Principal caller);

    McpSchema.ReadResourceResult readResource(String uri, Principal caller);

    McpSchema.ListPromptsResult listPrompts(String cursor, Principal caller);

    McpSchema.GetPromptResult getPrompt(String name, Map<String, Object> arguments, Principal caller);

    @Override
    void close();
}

package dev.gatehouse.dialect.responses;

import dev.gatehouse.call.ErrorType;
import dev.gatehouse.call.GatewayException;

/**
 * OpenAI's built-in tools ({@code mcp}, {@code file_search}, {@code web_search}, ...) as the
 * Responses caller sees them. None runs in the gateway yet, so each is refused with a 400 naming
 * the field; this is the one place to teach the caller about a tool once the gateway can execute it
 * (the MCP gateway and RAG give {@code mcp} and {@code file_search} a home).
 */
public final class BuiltInTools {
    private BuiltInTools() {}

    /** The refusal for built-in tool {@code type} found at {@code param}. */
    public static GatewayException refuse(String param, String type) {
        String why = switch (type) {
            case "mcp" -> "no MCP server is configured on this gateway (an 'mcp' tool names one of the gateway's own servers by"
                    + " server_label; see docs/mcp.md)";
            case "file_search" -> "only one 'file_search' tool per request is served (list every store in its 'vector_store_ids')";
            default -> "the built-in '" + type + "' tool cannot be served by the gateway (only 'function' tools are translated"
                    + " to every provider)";
        };
        return new GatewayException(ErrorType.INVALID_REQUEST, "Unsupported tool at '" + param + "': " + why + ".", param,
                "unsupported_tool");
    }
}

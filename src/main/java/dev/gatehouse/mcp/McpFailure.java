package dev.gatehouse.mcp;

/**
 * A request the gateway could not complete, as a JSON-RPC error: {@code code} follows JSON-RPC
 * 2.0 ({@code -32602} invalid params, {@code -32601} method not found, {@code -32603} internal)
 * or the gateway's own range ({@link #DENIED}, {@link #UNAVAILABLE}, {@link #TIMEOUT}, ...).
 */
public final class McpFailure extends RuntimeException {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL = -32603;
    /** The caller's policies do not allow the tool, server, resource or prompt. */
    public static final int DENIED = -32003;
    /** The upstream server is down or failed. */
    public static final int UNAVAILABLE = -32004;
    /** The upstream server did not answer within its timeout. */
    public static final int TIMEOUT = -32005;
    /** A rate limit or budget refused the call. */
    public static final int LIMITED = -32006;
    /** A guardrail blocked the tool call's arguments or its result. */
    public static final int GUARDRAIL_BLOCKED = -32007;
    /** The caller cancelled the request. */
    public static final int CANCELLED = -32800;

    private final int code;
    private final Object data;
    /** The request log's error class and status when they are not the code's usual ones (a guardrail's), else null / 0. */
    private final String errorClass;
    private final int status;

    public McpFailure(int code, String message) {
        this(code, message, null);
    }

    public McpFailure(int code, String message, Object data) {
        this(code, message, data, null, 0);
    }

    /** A failure whose request-log error class and status are given (a guardrail's block shares a code with others). */
    public McpFailure(int code, String message, Object data, String errorClass, int status) {
        super(message, null, false, false);
        this.code = code;
        this.data = data;
        this.errorClass = errorClass;
        this.status = status;
    }

    public int code() {
        return code;
    }

    /** Extra error detail for the caller (e.g. {@code {"policy": "..."}}), or null. */
    public Object data() {
        return data;
    }

    /** A short class for the request log's error column. */
    public String errorClass() {
        if (errorClass != null) {
            return errorClass;
        }
        return switch (code) {
            case DENIED -> "denied";
            case UNAVAILABLE -> "unavailable";
            case TIMEOUT -> "timeout";
            case LIMITED -> "limited";
            case CANCELLED -> "cancelled";
            case INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR -> "invalid_request";
            default -> "upstream_error";
        };
    }

    /** The HTTP-like status recorded in the request log. */
    public int status() {
        if (status != 0) {
            return status;
        }
        return switch (code) {
            case DENIED -> 403;
            case UNAVAILABLE -> 503;
            case TIMEOUT -> 504;
            case LIMITED -> 429;
            case CANCELLED -> 499;
            case INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR -> 400;
            default -> 502;
        };
    }
}

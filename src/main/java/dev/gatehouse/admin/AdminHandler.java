package dev.gatehouse.admin;

/**
 * One admin operation. Runs on a virtual thread, so it may use JDBC directly. Returns the
 * response body (serialised as JSON by Jackson), an {@link AdminResponse} for another status,
 * or throws {@link dev.gatehouse.gateway.GatewayException} for a 4xx.
 */
@FunctionalInterface
public interface AdminHandler {
    Object handle(AdminRequest request) throws Exception;
}

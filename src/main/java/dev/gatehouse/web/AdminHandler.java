package dev.gatehouse.web;

import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;

/**
 * One admin operation. Runs on a virtual thread, so it may use JDBC directly. Returns the
 * response body (serialised as JSON by Jackson), an {@link AdminResponse} for another status,
 * or throws {@link dev.gatehouse.call.GatewayException} for a 4xx.
 */
@FunctionalInterface
public interface AdminHandler {
    Object handle(AdminRequest request) throws Exception;
}

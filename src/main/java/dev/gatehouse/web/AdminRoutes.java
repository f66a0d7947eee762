package dev.gatehouse.web;

import dev.gatehouse.web.AdminHandler;

/**
 * Where endpoint classes declare their operations. Paths are relative to {@code /admin/v1} and
 * use {@code :name} parameters (e.g. {@code /teams/:teamId/keys}). Each declaration also becomes
 * an operation in the served OpenAPI document.
 */
public interface AdminRoutes {
    void get(String path, String summary, Access access, AdminHandler handler);

    void post(String path, String summary, Access access, AdminHandler handler);

    void patch(String path, String summary, Access access, AdminHandler handler);

    void delete(String path, String summary, Access access, AdminHandler handler);
}

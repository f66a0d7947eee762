package dev.gatehouse.admin;

import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminRoutes;
import dev.gatehouse.web.PrincipalView;

/**
 * {@code GET /admin/v1/me}: who the credential belongs to and what its role is, so a client (the
 * console) offers only what the role may do. It reveals nothing the caller does not already hold.
 */
public final class MeEndpoints implements AdminEndpoints {
    @Override
    public void register(AdminRoutes routes) {
        routes.get("/me", "Read who the presented credential belongs to and its roles", Access.SELF,
                request -> PrincipalView.of(request.principal()));
    }
}

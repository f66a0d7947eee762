package dev.gatehouse.web;

/** A group of admin operations about one resource (teams, keys, budgets, ...). */
public interface AdminEndpoints {
    void register(AdminRoutes routes);
}

package dev.gatehouse.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: it can serve traffic (started,
 * storage reachable at the last check). Neither needs a key: load balancers call them.
 */
public final class Health {
    private final BooleanSupplier ready;

    public Health(BooleanSupplier ready) {
        this.ready = ready;
    }

    public void mount(Router router) {
        router.get("/health/live").handler(ctx -> json(ctx, 200, "{\"status\":\"ok\"}"));
        router.get("/health/ready").handler(ctx -> {
            if (ready.getAsBoolean()) {
                json(ctx, 200, "{\"status\":\"ready\"}");
            } else {
                json(ctx, 503, "{\"status\":\"not ready\"}");
            }
        });
    }

    private static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
}

package dev.gatehouse.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: it can serve traffic. Neither
 * needs a key: load balancers call them.
 *
 * <p>An unreachable database does not make a node unready: calls are served from memory (keys,
 * policies, routes, limits) and request-log records spool to disk, so taking the node out of the
 * load balancer would only turn a degraded gateway into a down one, and with several nodes on one
 * database every node would be taken out at once. The body says whether storage answered at the
 * last check ({@code "storage":"unreachable"}), and so does the {@code gatehouse_storage_up} gauge.
 *
 * <p>A draining node (stopping: SIGTERM) is not ready, so the load balancer stops sending it new
 * calls, but stays live while its calls in flight finish: restarting it then would cut them.
 */
public final class Health {
    private final BooleanSupplier storageUp;
    private final BooleanSupplier draining;

    public Health(BooleanSupplier storageUp) {
        this(storageUp, () -> false);
    }

    public Health(BooleanSupplier storageUp, BooleanSupplier draining) {
        this.storageUp = storageUp;
        this.draining = draining;
    }

    public void mount(Router router) {
        router.get("/health/live").handler(ctx -> json(ctx, 200, "{\"status\":\"ok\"}"));
        router.get("/health/ready").handler(ctx -> {
            String storage = storageUp.getAsBoolean() ? "up" : "unreachable";
            if (draining.getAsBoolean()) {
                json(ctx, 503, "{\"status\":\"draining\",\"storage\":\"" + storage + "\"}");
            } else {
                json(ctx, 200, "{\"status\":\"ready\",\"storage\":\"" + storage + "\"}");
            }
        });
    }

    private static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
}

package dev.gatehouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Calls {@code /admin/v1} with one credential and parses the JSON answers. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final GatewayHarness gateway;
    private final String token;

    public AdminClient(GatewayHarness gateway, String token) {
        this.gateway = gateway;
        this.token = token;
    }

    public record Reply(int status, JsonNode json, String body) {
        public String text(String field) {
            return json.path(field).asText(null);
        }
    }

    public Reply get(String path) {
        return send("GET", path, null);
    }

    public Reply post(String path, String body) {
        return send("POST", path, body);
    }

    public Reply patch(String path, String body) {
        return send("PATCH", path, body);
    }

    public Reply delete(String path) {
        return send("DELETE", path, null);
    }

    /** Asserts a 2xx and returns the reply. */
    public Reply ok(String method, String path, String body) {
        Reply reply = send(method, path, body);
        if (reply.status() / 100 != 2) {
            throw new AssertionError(method + " " + path + " -> " + reply.status() + " " + reply.body());
        }
        return reply;
    }

    public Reply send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.origin() + "/admin/v1" + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = gateway.send(request);
        if (response.headers().firstValue("content-type").orElse("").startsWith("text/csv")) {
            return new Reply(response.statusCode(), JSON.missingNode(), response.body()); // a CSV export: text only
        }
        try {
            JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            return new Reply(response.statusCode(), json, response.body());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

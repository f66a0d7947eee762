package dev.gatehouse.audit;

import dev.gatehouse.call.GatewayException;
import dev.gatehouse.web.Access;
import dev.gatehouse.web.AdminEndpoints;
import dev.gatehouse.web.AdminPage;
import dev.gatehouse.web.AdminRequest;
import dev.gatehouse.web.AdminResponse;
import dev.gatehouse.web.AdminRoutes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code /admin/v1/audit}: the audit trail, read-only, for owners, admins and auditors. */
public final class AuditEndpoints implements AdminEndpoints {
    private final AuditLog log;

    public AuditEndpoints(AuditLog log) {
        this.log = log;
    }

    @Override
    public void register(AdminRoutes routes) {
        routes.get("/audit", "List audit entries", Access.AUDIT, this::list);
        routes.get("/audit/export", "Export audit entries as JSON Lines", Access.AUDIT, this::export);
        routes.get("/audit/verify", "Verify the audit hash chain", Access.AUDIT, request -> log.verify());
    }

    /** Newest first; {@code cursor} is the seq the next page continues below. */
    private Object list(AdminRequest request) {
        AuditQuery query = query(request);
        int limit = request.limit();
        Long before = null;
        if (request.cursor() != null) {
            try {
                before = Long.parseLong(request.cursor());
            } catch (NumberFormatException e) {
                throw GatewayException.invalid("cursor must be a value from next_cursor", "cursor");
            }
        }
        List<AuditEntry> rows = log.list(query, limit + 1, before);
        boolean more = rows.size() > limit;
        List<AuditEntry> page = more ? rows.subList(0, limit) : rows;
        String next = more ? Long.toString(page.getLast().seq()) : null;
        return new AdminPage<>(page.stream().map(log::toJson).toList(), next);
    }

    private Object export(AdminRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        log.export(query(request), e -> {
            out.writeBytes(log.toJsonLine(e).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        });
        return AdminResponse.raw("application/x-ndjson", out.toByteArray());
    }

    private static AuditQuery query(AdminRequest request) {
        return new AuditQuery(request.query("action"), request.query("actor"), request.query("target_type"),
                request.query("target_id"), time(request, "since"), time(request, "until"));
    }

    private static Long time(AdminRequest request, String name) {
        try {
            return Times.parse(request.query(name));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(name + ": " + e.getMessage(), name);
        }
    }
}

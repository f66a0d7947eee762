package dev.gatehouse.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in {@link AuditSink} that writes each admin change to the log (logger
 * {@code gatehouse.audit}). The tamper-evident audit chain replaces it.
 */
public final class LogAuditSink implements AuditSink {
    private static final Logger LOG = LoggerFactory.getLogger("gatehouse.audit");
    private final ObjectMapper json = new ObjectMapper();

    @Override
    public void record(AdminRequest request, String action, String targetType, String targetId, Object before, Object after) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        LOG.info("{} {} {} by {} from {} (request {}): before={} after={}", action, targetType, targetId,
                request.principal().id(), request.clientAddress(), request.requestId(), write(before), write(after));
    }

    private String write(Object value) {
        try {
            return value == null ? "null" : json.writeValueAsString(value);
        } catch (Exception e) {
            return String.valueOf(value);
        }
    }
}

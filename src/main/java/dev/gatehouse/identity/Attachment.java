package dev.gatehouse.identity;

import java.util.List;

/** A policy applied to a key, user or team. */
public record Attachment(String policyId, String subjectType, String subjectId, long createdAt) {
    public static final List<String> SUBJECT_TYPES = List.of("key", "user", "team");
}

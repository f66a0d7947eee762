package dev.gatehouse.identity;

import java.util.List;

/**
 * What callers it is attached to may use. An empty list means "any"; all policies that apply to
 * a call (its key's, user's and team's) must allow it.
 *
 * @param teamId the team that owns the policy (its team-admins may edit it); null: organisation-wide
 * @param models model names or globs ({@code gpt-4o*}, {@code *-mini})
 * @param providers provider names (globs allowed)
 * @param endpoints endpoint names: {@code chat.completions}, {@code embeddings}, {@code models}, {@code messages}, {@code responses}
 * @param maxTokens the most output tokens one request may ask for, or null
 */
public record AccessPolicy(String id, String name, String teamId, List<String> models, List<String> providers,
        List<String> endpoints, Integer maxTokens, long createdAt, long updatedAt) {
    public AccessPolicy {
        models = List.copyOf(models);
        providers = List.copyOf(providers);
        endpoints = List.copyOf(endpoints);
    }
}

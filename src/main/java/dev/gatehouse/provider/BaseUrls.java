package dev.gatehouse.provider;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Base URLs as people write them: with or without the API's version path. The providers' own
 * documentation is inconsistent about it (Gemini's SDKs take the host alone, its REST examples
 * include {@code /v1beta}; OpenAI-compatible servers are documented both ways), so a base URL
 * that lacks the version where the gateway can tell gets it added instead of answering 404 on
 * every call.
 */
public final class BaseUrls {
    /** A version path segment: v1, v1beta, v1alpha, v2, v1beta2. */
    private static final Pattern VERSION = Pattern.compile("v\\d+(?:(?:alpha|beta)\\d*)?");

    private BaseUrls() {}

    /** {@code url} without trailing slashes, ending in a version segment: {@code version} is added when it has none. */
    public static String withVersion(String url, String version) {
        String trimmed = trimSlash(url);
        String path = path(trimmed);
        if (path == null) {
            return trimmed;
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        return VERSION.matcher(last).matches() ? trimmed : trimmed + "/" + version;
    }

    /**
     * {@code url} without trailing slashes, with {@code version} added only when it has no path at
     * all (a bare host): a path (a proxy's, a vendor's {@code /openai/v1}) is the operator's choice.
     */
    public static String withVersionIfBare(String url, String version) {
        String trimmed = trimSlash(url);
        String path = path(trimmed);
        return path != null && path.isEmpty() ? trimmed + "/" + version : trimmed;
    }

    static String trimSlash(String url) {
        String trimmed = url;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed;
    }

    /** The URL's path ("" for none), or null when it is not a URL with a host (left alone: validation reports it). */
    private static String path(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null || uri.getQuery() != null) {
                return null;
            }
            return uri.getRawPath() == null ? "" : uri.getRawPath();
        } catch (URISyntaxException e) {
            return null;
        }
    }
}

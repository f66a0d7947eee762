package dev.gatehouse.config;

import java.util.List;

/**
 * The {@code outbound} section: which addresses the gateway may fetch from when a caller, not
 * this config, supplied the URL (image URLs today).
 *
 * @param allowPrivate also fetch from loopback, private (RFC 1918, fc00::/7), link-local and
 *                     carrier-grade NAT addresses; cloud metadata addresses stay refused
 * @param allowHosts host names fetched from whatever they resolve to; an entry {@code *.example.com}
 *                   covers every name under example.com
 */
public record OutboundConfig(boolean allowPrivate, List<String> allowHosts) {
    public static final OutboundConfig DEFAULTS = new OutboundConfig(false, List.of());

    public OutboundConfig {
        allowHosts = allowHosts == null ? List.of() : List.copyOf(allowHosts);
    }
}

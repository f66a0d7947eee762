package dev.gatehouse.provider.http;

import dev.gatehouse.config.OutboundConfig;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The one check every fetch of a caller-supplied URL passes (server-side request forgery):
 * the host is resolved once, every address it resolves to is judged, and the caller connects to
 * the address returned here, never to the name again, so a second DNS answer cannot swap in a
 * private address (DNS rebinding). Redirects call {@link #check} again for each hop.
 * <p>
 * Refused unless {@code outbound} config allows them: loopback, private (RFC 1918, fc00::/7,
 * fec0::/10), link-local, carrier-grade NAT (100.64/10); always refused: unspecified, multicast,
 * broadcast and reserved ranges, and cloud metadata services by address or by name. IPv6 forms
 * that carry an IPv4 address (IPv4-compatible, IPv4-mapped, NAT64, 6to4, Teredo) are judged by
 * that IPv4 address, since that is where the packets end up.
 * <p>
 * {@link #check} resolves names and so blocks: call it off the event loop.
 */
public final class OutboundGuard {
    /** Name resolution, injectable so tests can answer differently on each lookup. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** A refusal: {@link #getMessage()} says why, in words fit for the caller. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private static final Set<String> METADATA_NAMES = Set.of("metadata.google.internal", "metadata.goog", "metadata",
            "instance-data", "instance-data.ec2.internal", "metadata.azure.internal");

    private final boolean allowPrivate;
    private final boolean allowLoopback;
    private final List<String> allowHosts;
    private final Resolver resolver;

    /**
     * @param allowLoopback allow loopback only (the test switch of {@link ImageFetcher}); {@code allow-private} implies it
     */
    public OutboundGuard(OutboundConfig config, boolean allowLoopback, Resolver resolver) {
        this.allowPrivate = config.allowPrivate();
        this.allowLoopback = allowLoopback || config.allowPrivate();
        this.allowHosts = config.allowHosts().stream().map(OutboundGuard::normalise).toList();
        this.resolver = resolver;
    }

    public OutboundGuard(OutboundConfig config) {
        this(config, false, InetAddress::getAllByName);
    }

    /** Resolves {@code host} once and returns the address to connect to, or refuses. Blocks on DNS. */
    public InetAddress check(String host) throws Refused {
        String name = normalise(host);
        boolean listed = allowed(name);
        if (!listed && METADATA_NAMES.contains(name)) {
            throw new Refused("its host '" + host + "' is a cloud metadata service, which the gateway does not fetch from");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException | SecurityException e) {
            throw new Refused("its host '" + host + "' could not be resolved");
        }
        if (addresses == null || addresses.length == 0) {
            throw new Refused("its host '" + host + "' could not be resolved");
        }
        if (!listed) {
            for (InetAddress address : addresses) {
                String why = refusal(address);
                if (why != null) {
                    throw new Refused("its host '" + host + "' resolves to the non-public address " + address.getHostAddress()
                            + " (" + why + "), which the gateway does not fetch from");
                }
            }
        }
        return addresses[0];
    }

    /** Why the gateway may not connect to {@code address} for a caller, or null when it may. */
    public String refusal(InetAddress address) {
        Kind kind = classify(address);
        return switch (kind) {
            case PUBLIC -> null;
            case LOOPBACK -> allowLoopback ? null : kind.label;
            case PRIVATE, LINK_LOCAL, SHARED -> allowPrivate ? null : kind.label;
            case METADATA, UNSPECIFIED, MULTICAST, RESERVED -> kind.label;
        };
    }

    enum Kind {
        PUBLIC("public"), LOOPBACK("loopback"), PRIVATE("private"), LINK_LOCAL("link-local"), SHARED("carrier-grade NAT"),
        METADATA("cloud metadata"), UNSPECIFIED("unspecified"), MULTICAST("multicast"), RESERVED("reserved or broadcast");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** The class of an address; IPv6 carrying an IPv4 address is judged by the IPv4 address. */
    static Kind classify(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            Inet4Address embedded = embeddedIpv4(v6);
            return embedded != null ? classify4(embedded.getAddress()) : classify6(v6.getAddress());
        }
        return classify4(address.getAddress());
    }

    private static Kind classify4(byte[] b) {
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        int b2 = b[2] & 0xff;
        int b3 = b[3] & 0xff;
        if ((b0 == 169 && b1 == 254 && (b2 == 169 && b3 == 254 || b2 == 170 && b3 == 2)) // AWS/GCP/Azure, ECS task metadata
                || (b0 == 100 && b1 == 100 && b2 == 100 && b3 == 200)) { // Alibaba Cloud
            return Kind.METADATA;
        }
        if (b0 == 0) {
            return Kind.UNSPECIFIED; // "this" network
        }
        if (b0 == 127) {
            return Kind.LOOPBACK;
        }
        if (b0 == 10 || (b0 == 172 && b1 >= 16 && b1 <= 31) || (b0 == 192 && b1 == 168)) {
            return Kind.PRIVATE;
        }
        if (b0 == 169 && b1 == 254) {
            return Kind.LINK_LOCAL;
        }
        if (b0 == 100 && b1 >= 64 && b1 <= 127) {
            return Kind.SHARED;
        }
        if (b0 >= 224 && b0 <= 239) {
            return Kind.MULTICAST;
        }
        if (b0 >= 240 // reserved, and 255.255.255.255 broadcast
                || (b0 == 192 && b1 == 0 && b2 == 0) // IETF protocol assignments
                || (b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113)
                || (b0 == 198 && (b1 == 18 || b1 == 19))) { // documentation, benchmarking
            return Kind.RESERVED;
        }
        return Kind.PUBLIC;
    }

    private static Kind classify6(byte[] b) {
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if (isZero(b, 0, 15)) {
            return b[15] == 0 ? Kind.UNSPECIFIED : b[15] == 1 ? Kind.LOOPBACK : Kind.RESERVED;
        }
        if (b0 == 0xfd && b1 == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2 && isZero(b, 4, 14) && (b[14] & 0xff) == 0x02
                && (b[15] & 0xff) == 0x54) {
            return Kind.METADATA; // fd00:ec2::254, the AWS metadata service over IPv6
        }
        if ((b0 & 0xfe) == 0xfc || (b0 == 0xfe && (b1 & 0xc0) == 0xc0)) {
            return Kind.PRIVATE; // unique local fc00::/7, deprecated site-local fec0::/10
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
            return Kind.LINK_LOCAL; // fe80::/10
        }
        if (b0 == 0xff) {
            return Kind.MULTICAST;
        }
        if ((b0 == 0x01 && b1 == 0x00 && isZero(b, 2, 8)) // discard-only 100::/64
                || (b0 == 0x20 && b1 == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) // documentation 2001:db8::/32
                || (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && b[4] == 0 && b[5] == 1)) { // local NAT64 64:ff9b:1::/48
            return Kind.RESERVED;
        }
        return Kind.PUBLIC;
    }

    /**
     * The IPv4 address an IPv6 address carries, or null: IPv4-compatible {@code ::a.b.c.d},
     * IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-translated {@code ::ffff:0:a.b.c.d}, NAT64
     * {@code 64:ff9b::/96}, 6to4 {@code 2002:AABB:CCDD::/48} and Teredo {@code 2001:0::/32}
     * (whose client address is stored inverted).
     */
    static Inet4Address embeddedIpv4(Inet6Address address) {
        byte[] b = address.getAddress();
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        boolean zero80 = isZero(b, 0, 10);
        if (zero80 && b[10] == 0 && b[11] == 0) {
            // ::a.b.c.d, except :: and ::1 themselves
            return isZero(b, 12, 15) && (b[15] == 0 || b[15] == 1) ? null : v4(b[12], b[13], b[14], b[15]);
        }
        if (zero80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return v4(b[12], b[13], b[14], b[15]);
        }
        if (isZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && b[10] == 0 && b[11] == 0) {
            return v4(b[12], b[13], b[14], b[15]);
        }
        if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
            return v4(b[12], b[13], b[14], b[15]);
        }
        if (b0 == 0x20 && b1 == 0x02) {
            return v4(b[2], b[3], b[4], b[5]);
        }
        if (b0 == 0x20 && b1 == 0x01 && b[2] == 0 && b[3] == 0) {
            return v4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]);
        }
        return null;
    }

    private boolean allowed(String name) {
        for (String entry : allowHosts) {
            if (entry.startsWith("*.") ? name.endsWith(entry.substring(1)) : name.equals(entry)) {
                return true;
            }
        }
        return false;
    }

    /** Lower case, without brackets around an IPv6 literal or a trailing dot. */
    private static String normalise(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Inet4Address v4(byte a, byte b, byte c, byte d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}

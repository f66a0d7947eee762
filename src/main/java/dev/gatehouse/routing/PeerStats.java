package dev.gatehouse.routing;

/**
 * What the other nodes of a cluster saw of one target, merged (see {@link SharedStats}): their
 * moving averages weighted by how many calls each made in the last minute, and the sums of their
 * calls in flight, calls and tokens in the last minute.
 *
 * @param ttftNanos the others' average time to first byte, 0 when none measured it
 * @param ttftWeight how many calls that average stands for
 * @param durationNanos the others' average duration, 0 when none measured it
 * @param durationWeight how many calls that average stands for
 */
record PeerStats(long ttftNanos, long ttftWeight, long durationNanos, long durationWeight, int inFlight, long requestsLastMinute,
        long tokensLastMinute, long judgedLastMinute, long failuresLastMinute) {

    /**
     * One node's published figures, as {@link #encode} wrote them; null when unreadable. A node of
     * an earlier release publishes no error counts (six fields): they read as none.
     */
    static PeerStats decode(String value) {
        String[] f = value.split(" ");
        if (f.length < 5) {
            return null;
        }
        long judged = 0;
        long failed = 0;
        try {
            long ttft = Long.parseLong(f[0]);
            long duration = Long.parseLong(f[1]);
            long requests = Long.parseLong(f[3]);
            long weight = Math.max(1, requests); // an average with no call in the last minute still counts once
            if (f.length >= 8) {
                judged = Long.parseLong(f[5]);
                failed = Long.parseLong(f[6]);
            }
            return new PeerStats(ttft, ttft > 0 ? weight : 0, duration, duration > 0 ? weight : 0, Integer.parseInt(f[2]),
                    requests, Long.parseLong(f[4]), judged, failed);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * This node's figures for one target, as the others read them. New fields go before the time,
     * which stays last: nodes of the previous release read the first five and the last.
     */
    static String encode(long ttftNanos, long durationNanos, int inFlight, long requests, long tokens, long judged, long failed,
            long atMillis) {
        return ttftNanos + " " + durationNanos + " " + inFlight + " " + requests + " " + tokens + " " + judged + " " + failed + " "
                + atMillis;
    }

    /** When the figures were published (publisher's clock), or -1. */
    static long publishedAt(String value) {
        int at = value.lastIndexOf(' ');
        try {
            return at < 0 ? -1 : Long.parseLong(value.substring(at + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Both nodes' figures as one. */
    PeerStats plus(PeerStats o) {
        return new PeerStats(mean(ttftNanos, ttftWeight, o.ttftNanos, o.ttftWeight), ttftWeight + o.ttftWeight,
                mean(durationNanos, durationWeight, o.durationNanos, o.durationWeight), durationWeight + o.durationWeight,
                inFlight + o.inFlight, requestsLastMinute + o.requestsLastMinute, tokensLastMinute + o.tokensLastMinute,
                judgedLastMinute + o.judgedLastMinute, failuresLastMinute + o.failuresLastMinute);
    }

    /** The mean of two averages, each weighted by the calls it stands for (0 when neither has any). */
    static long mean(long a, long aWeight, long b, long bWeight) {
        long weight = aWeight + bWeight;
        return weight == 0 ? 0 : Math.round(((double) a * aWeight + (double) b * bWeight) / weight);
    }
}

package dev.gatehouse.call;

/**
 * A hashed timing wheel (Varghese and Lauck): entries are hashed by their due tick into a ring
 * of slots, each slot a doubly linked list. Adding and removing an entry are O(1) and allocate
 * nothing beyond the entry itself; advancing visits only the slots of the ticks that passed.
 * An entry due more than one turn ahead waits in its slot for the turns in between.
 *
 * <p>Pure data structure, no clock and no threads of its own: the owner ({@link Deadlines})
 * passes the time in and calls it from one thread only.
 */
final class TimingWheel {
    private static final int UNLINKED = -1;

    /** What the wheel holds. Subclasses carry the payload; the links are the wheel's business. */
    abstract static class Entry {
        private Entry prev;
        private Entry next;
        /** The slot (or the expired list) this entry is linked into; UNLINKED when new, taken or removed. */
        private int list = UNLINKED;
        private long dueTick;

        final boolean linked() {
            return list != UNLINKED;
        }
    }

    private final long tickNanos;
    private final long originNanos;
    private final int mask;
    /** heads[0 .. slots-1] are the slots; heads[slots] holds the entries advance() found due, until poll() takes them. */
    private final Entry[] heads;
    private final int expired;
    private Entry expiredTail;
    /** Every entry still in a slot is due after this tick. */
    private long lastTick;
    private int size;

    /**
     * @param slots a power of two; one turn of the wheel is {@code slots * tickNanos}
     * @param nowNanos the current time (System.nanoTime()), tick 0
     */
    TimingWheel(long tickNanos, int slots, long nowNanos) {
        if (tickNanos <= 0 || slots <= 0 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("tick must be positive and slots a power of two");
        }
        this.tickNanos = tickNanos;
        this.originNanos = nowNanos;
        this.mask = slots - 1;
        this.heads = new Entry[slots + 1];
        this.expired = slots;
    }

    /** Entries added and neither taken by {@link #poll} nor removed. */
    int size() {
        return size;
    }

    /**
     * Adds {@code entry} to expire at the first tick at or after {@code dueNanos} — never before
     * it, and never in a tick already advanced past (a deadline already due expires at the next).
     *
     * @return the tick it will expire at
     */
    long add(Entry entry, long dueNanos) {
        if (entry.linked()) {
            throw new IllegalStateException("entry already added");
        }
        long tick = Math.ceilDiv(dueNanos - originNanos, tickNanos);
        if (tick <= lastTick) {
            tick = lastTick + 1;
        }
        entry.dueTick = tick;
        linkFirst(entry, (int) (tick & mask));
        size++;
        return tick;
    }

    /** Removes {@code entry} wherever it waits; false when it was not in the wheel (never added, taken or removed). */
    boolean remove(Entry entry) {
        if (!entry.linked()) {
            return false;
        }
        unlink(entry);
        size--;
        return true;
    }

    /**
     * Moves every entry due by {@code nowNanos} to the expired list, in tick order, for
     * {@link #poll} to take. Visits the slots of the ticks since the last advance (all slots once
     * when a whole turn or more has passed).
     */
    void advance(long nowNanos) {
        long now = Math.floorDiv(nowNanos - originNanos, tickNanos);
        if (now <= lastTick) {
            return;
        }
        long ticks = Math.min(now - lastTick, (long) mask + 1);
        for (long tick = lastTick + 1; tick <= lastTick + ticks; tick++) {
            Entry entry = heads[(int) (tick & mask)];
            while (entry != null) {
                Entry next = entry.next;
                if (entry.dueTick <= now) {
                    unlink(entry);
                    appendExpired(entry);
                }
                entry = next;
            }
        }
        lastTick = now;
    }

    /** The next expired entry, taken out of the wheel; null when none is left. */
    Entry poll() {
        Entry entry = heads[expired];
        if (entry != null) {
            unlink(entry);
            size--;
        }
        return entry;
    }

    /**
     * The tick to wake at for the next {@link #advance}: the first tick ahead whose slot holds an
     * entry, or -1 when the wheel is empty. Early (by whole turns), never late, when that slot's
     * entries wait for a later turn. Only meaningful with the expired list drained.
     */
    long nextTick() {
        if (size == 0) {
            return -1;
        }
        for (long tick = lastTick + 1; tick <= lastTick + mask + 1; tick++) {
            if (heads[(int) (tick & mask)] != null) {
                return tick;
            }
        }
        return lastTick + 1; // only entries in the expired list: they are due now
    }

    /** The System.nanoTime() at which {@code tick} begins. */
    long nanosOf(long tick) {
        return originNanos + tick * tickNanos;
    }

    private void linkFirst(Entry entry, int list) {
        Entry head = heads[list];
        entry.list = list;
        entry.prev = null;
        entry.next = head;
        if (head != null) {
            head.prev = entry;
        }
        heads[list] = entry;
    }

    private void appendExpired(Entry entry) {
        entry.list = expired;
        entry.next = null;
        entry.prev = expiredTail;
        if (expiredTail == null) {
            heads[expired] = entry;
        } else {
            expiredTail.next = entry;
        }
        expiredTail = entry;
    }

    private void unlink(Entry entry) {
        Entry prev = entry.prev;
        Entry next = entry.next;
        if (prev == null) {
            heads[entry.list] = next;
        } else {
            prev.next = next;
        }
        if (next != null) {
            next.prev = prev;
        } else if (entry.list == expired) {
            expiredTail = prev;
        }
        entry.prev = entry.next = null;
        entry.list = UNLINKED;
    }
}

package dev.gatehouse.provider;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds the first of two byte values in an array eight bytes at a time (SWAR: one long load and a
 * few arithmetic operations per eight bytes instead of two compares and a branch per byte). The
 * streaming scanners use it to find line ends in SSE and the end of JSON strings, which is most
 * of the bytes they look at.
 */
public final class ByteScan {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LF = ONES * '\n';
    private static final long CR = ONES * '\r';
    private static final long QUOTE = ONES * '"';
    private static final long BACKSLASH = ONES * '\\';

    private ByteScan() {}

    /** The index of the first '\n' or '\r' in {@code a[from, to)}, else {@code to}. */
    public static int lineEnd(byte[] a, int from, int to) {
        return firstOf(a, from, to, LF, CR);
    }

    /** The index of the first '"' or '\\' in {@code a[from, to)}, else {@code to} (also when {@code from > to}). */
    public static int quoteOrBackslash(byte[] a, int from, int to) {
        return firstOf(a, from, to, QUOTE, BACKSLASH);
    }

    private static int firstOf(byte[] a, int i, int to, long x, long y) {
        for (; i + 8 <= to; i += 8) {
            long w = (long) LONGS.get(a, i);
            long hits = zeroBytes(w ^ x) | zeroBytes(w ^ y);
            if (hits != 0) {
                // Little endian: the lowest byte is the first in memory.
                return i + (Long.numberOfTrailingZeros(hits) >>> 3);
            }
        }
        byte bx = (byte) x;
        byte by = (byte) y;
        for (; i < to; i++) {
            byte b = a[i];
            if (b == bx || b == by) {
                return i;
            }
        }
        return to;
    }

    /**
     * The high bit of every zero byte of {@code v}. A borrow can also mark a byte above a zero
     * byte, never one below, so the lowest mark is exact, and that is the only one used.
     */
    private static long zeroBytes(long v) {
        return (v - ONES) & ~v & HIGHS;
    }
}

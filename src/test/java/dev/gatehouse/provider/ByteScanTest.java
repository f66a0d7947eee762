package dev.gatehouse.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-at-a-time search against the obvious byte loop, on random arrays, offsets and lengths. */
class ByteScanTest {

    @Test
    void findsTheFirstMatchLikeAByteLoop() {
        Random random = new Random(42);
        byte[] alphabet = {'a', '\n', '\r', '"', '\\', 0, (byte) 0x80, (byte) 0xFF, 0x0B, 0x21, 0x5D};
        for (int round = 0; round < 20_000; round++) {
            byte[] a = new byte[random.nextInt(40)];
            int density = 1 + random.nextInt(30);
            for (int i = 0; i < a.length; i++) {
                a[i] = random.nextInt(density) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            int from = a.length == 0 ? 0 : random.nextInt(a.length + 1);
            int to = from + random.nextInt(a.length - from + 1);
            assertThat(ByteScan.lineEnd(a, from, to)).isEqualTo(naive(a, from, to, '\n', '\r'));
            assertThat(ByteScan.quoteOrBackslash(a, from, to)).isEqualTo(naive(a, from, to, '"', '\\'));
        }
    }

    @Test
    void aStartPastTheEndFindsNothing() {
        byte[] a = "ab\"".getBytes();
        assertThat(ByteScan.quoteOrBackslash(a, 4, 3)).isEqualTo(3);
    }

    private static int naive(byte[] a, int from, int to, char x, char y) {
        for (int i = from; i < to; i++) {
            if (a[i] == x || a[i] == y) {
                return i;
            }
        }
        return to;
    }
}

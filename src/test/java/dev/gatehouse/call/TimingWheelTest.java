package dev.gatehouse.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The wheel alone, on a clock the test moves: when entries expire, removal, turns, the next wake-up. */
class TimingWheelTest {
    static final long TICK = 5_000_000; // 5 ms
    static final long ORIGIN = 1_000_000_000_000L;

    static final class Item extends TimingWheel.Entry {
        final long due;
        Item(long due) {
            this.due = due;
        }
    }

    final TimingWheel wheel = new TimingWheel(TICK, 8, ORIGIN);

    List<Item> expire(long now) {
        wheel.advance(now);
        List<Item> out = new ArrayList<>();
        for (TimingWheel.Entry e = wheel.poll(); e != null; e = wheel.poll()) {
            out.add((Item) e);
        }
        return out;
    }

    @Test
    void expiresAtTheFirstTickAtOrAfterItsDueTimeNeverBefore() {
        Item item = new Item(ORIGIN + 12_000_000); // 12 ms: tick 3 (15 ms)
        assertThat(wheel.add(item, item.due)).isEqualTo(3);
        assertThat(expire(ORIGIN + 12_000_000)).isEmpty(); // due, but tick 3 has not begun
        assertThat(expire(ORIGIN + 14_999_999)).isEmpty();
        assertThat(expire(ORIGIN + 15_000_000)).containsExactly(item);
        assertThat(item.linked()).isFalse();
        assertThat(wheel.size()).isZero();
    }

    @Test
    void anEntryAlreadyDueExpiresAtTheNextTickNotInOneAlreadyPassed() {
        expire(ORIGIN + 4 * TICK);
        Item late = new Item(ORIGIN);
        assertThat(wheel.add(late, late.due)).isEqualTo(5);
        assertThat(expire(ORIGIN + 5 * TICK)).containsExactly(late);
    }

    @Test
    void removedEntriesNeverExpireAndLeaveNothingBehind() {
        Item a = new Item(ORIGIN + 2 * TICK);
        Item b = new Item(ORIGIN + 2 * TICK);
        Item c = new Item(ORIGIN + 2 * TICK);
        wheel.add(a, a.due);
        wheel.add(b, b.due);
        wheel.add(c, c.due);
        assertThat(wheel.remove(b)).isTrue();
        assertThat(wheel.remove(b)).isFalse();
        assertThat(wheel.size()).isEqualTo(2);
        assertThat(expire(ORIGIN + 2 * TICK)).containsExactlyInAnyOrder(a, c);
        assertThat(wheel.remove(a)).as("already taken").isFalse();
        assertThat(wheel.size()).isZero();
        assertThat(wheel.nextTick()).isEqualTo(-1);
    }

    @Test
    void anEntryExpiredButNotYetTakenCanStillBeRemoved() {
        Item a = new Item(ORIGIN + TICK);
        Item b = new Item(ORIGIN + TICK);
        wheel.add(a, a.due);
        wheel.add(b, b.due);
        wheel.advance(ORIGIN + TICK);
        TimingWheel.Entry first = wheel.poll();
        Item other = first == a ? b : a;
        assertThat(wheel.remove(other)).isTrue(); // what an action cancelling a sibling deadline does
        assertThat(wheel.poll()).isNull();
        assertThat(wheel.size()).isZero();
    }

    @Test
    void anEntryAddedTwiceIsRefused() {
        Item a = new Item(ORIGIN + TICK);
        wheel.add(a, a.due);
        assertThatThrownBy(() -> wheel.add(a, a.due)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void entriesBeyondOneTurnWaitForTheirTurn() {
        // 8 slots: one turn is 8 ticks. Due at tick 27: slot 3, three turns ahead.
        Item far = new Item(ORIGIN + 27 * TICK);
        Item near = new Item(ORIGIN + 3 * TICK);
        wheel.add(far, far.due);
        wheel.add(near, near.due);
        List<Item> seen = new ArrayList<>();
        for (int tick = 1; tick <= 26; tick++) {
            seen.addAll(expire(ORIGIN + tick * TICK));
        }
        assertThat(seen).containsExactly(near);
        assertThat(expire(ORIGIN + 27 * TICK)).containsExactly(far);
    }

    @Test
    void aLateAdvanceOverSeveralTurnsExpiresWhatIsDueInTickOrderAndKeepsTheRest() {
        Item t2 = new Item(ORIGIN + 2 * TICK);
        Item t9 = new Item(ORIGIN + 9 * TICK);
        Item t20 = new Item(ORIGIN + 20 * TICK);
        Item t40 = new Item(ORIGIN + 40 * TICK);
        wheel.add(t20, t20.due);
        wheel.add(t9, t9.due);
        wheel.add(t40, t40.due);
        wheel.add(t2, t2.due);
        assertThat(expire(ORIGIN + 21 * TICK)).containsExactlyInAnyOrder(t2, t9, t20);
        assertThat(wheel.size()).isEqualTo(1);
        assertThat(expire(ORIGIN + 40 * TICK)).containsExactly(t40);
    }

    @Test
    void expiresInTickOrderWhenCatchingUpWithinATurn() {
        Item t1 = new Item(ORIGIN + TICK);
        Item t3 = new Item(ORIGIN + 3 * TICK);
        Item t5 = new Item(ORIGIN + 5 * TICK);
        wheel.add(t5, t5.due);
        wheel.add(t3, t3.due);
        wheel.add(t1, t1.due);
        assertThat(expire(ORIGIN + 6 * TICK)).containsExactly(t1, t3, t5);
    }

    @Test
    void nextTickIsTheFirstOccupiedSlotNeverLaterThanTheEarliestEntry() {
        assertThat(wheel.nextTick()).isEqualTo(-1);
        Item far = new Item(ORIGIN + 19 * TICK); // slot 3, two turns ahead
        wheel.add(far, far.due);
        assertThat(wheel.nextTick()).as("early by whole turns, not late").isEqualTo(3);
        Item soon = new Item(ORIGIN + 6 * TICK);
        wheel.add(soon, soon.due);
        assertThat(wheel.nextTick()).isEqualTo(3);
        expire(ORIGIN + 3 * TICK);
        assertThat(wheel.nextTick()).isEqualTo(6);
        expire(ORIGIN + 6 * TICK);
        assertThat(wheel.nextTick()).isEqualTo(11); // slot 3 again, one turn on
        wheel.remove(far);
        assertThat(wheel.nextTick()).isEqualTo(-1);
    }

    /**
     * Many entries, random due times over several turns, random removals, a clock that jumps by
     * uneven steps: each entry not removed expires exactly once, never before it is due and no
     * later than the first advance one tick after it; removed ones never do; nothing is left.
     */
    @Test
    void randomisedAgainstTheDefinition() {
        Random random = new Random(42);
        TimingWheel big = new TimingWheel(TICK, 64, ORIGIN);
        List<Item> live = new ArrayList<>();
        Set<Item> removed = new HashSet<>();
        Set<Item> expired = new HashSet<>();
        long now = ORIGIN;
        for (int round = 0; round < 2_000; round++) {
            for (int i = random.nextInt(10); i > 0; i--) {
                Item item = new Item(now + random.nextLong(200 * TICK)); // up to ~3 turns
                big.add(item, item.due);
                live.add(item);
            }
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                Item gone = live.remove(random.nextInt(live.size()));
                if (big.remove(gone)) {
                    removed.add(gone);
                }
            }
            long before = now;
            now += random.nextLong(3 * TICK);
            big.advance(now);
            for (TimingWheel.Entry e = big.poll(); e != null; e = big.poll()) {
                Item item = (Item) e;
                assertThat(item.due).as("never early").isLessThanOrEqualTo(now);
                assertThat(item.due + TICK).as("not late by a tick").isGreaterThan(before);
                assertThat(expired.add(item)).as("once").isTrue();
                assertThat(removed).doesNotContain(item);
                live.remove(item);
            }
            for (Item item : live) {
                assertThat(item.due + TICK).as("due a tick ago and not expired").isGreaterThan(now);
            }
        }
        assertThat(big.size()).isEqualTo(live.size());
        for (Item item : live) {
            big.remove(item);
        }
        assertThat(big.size()).isZero();
        assertThat(big.nextTick()).isEqualTo(-1);
    }
}

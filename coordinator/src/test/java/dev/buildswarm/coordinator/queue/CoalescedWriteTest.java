package dev.buildswarm.coordinator.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CoalescedWriteTest {
  private static final Duration INTERVAL = Duration.ofMillis(250);

  /** A clock the test moves and a timer whose tasks the test runs. */
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final List<Runnable> due = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final CoalescedWrite.Timer timer =
      (delay, task) -> {
        delays.add(delay);
        due.add(task);
      };

  /** The state a write reads, and what landed. */
  private final AtomicInteger state = new AtomicInteger();
  private final List<Integer> landed = new ArrayList<>();
  private final CoalescedWrite writes =
      new CoalescedWrite("test", INTERVAL, nanos::get, timer, () -> landed.add(state.get()));

  private void change(int to) {
    state.set(to);
    writes.changed();
  }

  private void runDue() {
    List<Runnable> now = List.copyOf(due);
    due.clear();
    now.forEach(Runnable::run);
  }

  @Test
  void theFirstChangeIsWrittenAtOnceOffTheCallersThread() {
    change(1);
    assertEquals(List.of(), landed, "not on the caller's thread");
    assertEquals(List.of(0L), delays, "at once");
    runDue();
    assertEquals(List.of(1), landed);
  }

  @Test
  void changesWithinAnIntervalAreWrittenOnceAtItsEndWithTheLatestState() {
    change(1);
    runDue();
    delays.clear();
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    change(2);
    change(3);
    change(4);
    assertEquals(List.of(1), landed, "nothing more before the interval ends");
    assertEquals(List.of(Duration.ofMillis(150).toNanos()), delays, "one write scheduled, at the interval's end");
    nanos.addAndGet(Duration.ofMillis(150).toNanos());
    runDue();
    assertEquals(List.of(1, 4), landed, "the last state landed, once");
  }

  @Test
  void aChangeAfterAQuietIntervalIsWrittenAtOnceAgain() {
    change(1);
    runDue();
    nanos.addAndGet(INTERVAL.toNanos());
    change(2);
    assertEquals(List.of(0L, 0L), delays);
    runDue();
    assertEquals(List.of(1, 2), landed);
  }

  @Test
  void aWriteAtOnceTakesThePendingChangeAndTheScheduledWriteThenDoesNothing() {
    change(1);
    runDue();
    change(2);
    writes.now(() -> landed.add(-state.get())); // e.g. the heartbeat's write, with the same state
    assertEquals(List.of(1, -2), landed);
    runDue();
    assertEquals(List.of(1, -2), landed, "nothing left to write");
    change(3);
    assertEquals(1, due.size(), "within the interval of the write at once: scheduled");
    runDue();
    assertEquals(List.of(1, -2, 3), landed);
  }

  @Test
  void aFailedWriteLeavesTheChangePendingForTheNextWrite() {
    AtomicInteger failures = new AtomicInteger(1);
    CoalescedWrite flaky =
        new CoalescedWrite(
            "test", INTERVAL, nanos::get, timer,
            () -> {
              if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("redis down");
              }
              landed.add(state.get());
            });
    state.set(1);
    flaky.changed();
    runDue(); // fails (logged)
    assertEquals(List.of(), landed);
    // Within the interval: the failed change goes with the next one's scheduled write.
    state.set(2);
    flaky.changed();
    assertEquals(List.of(0L, INTERVAL.toNanos()), delays);
    runDue();
    assertEquals(List.of(2), landed);
  }

  /** Many threads change the state as fast as they can; whatever the timing, the last state lands. */
  @Test
  void theLastStateAlwaysLandsUnderConcurrentChanges() throws Exception {
    for (int round = 0; round < 20; round++) {
      AtomicInteger shared = new AtomicInteger();
      AtomicInteger lastWritten = new AtomicInteger(-1);
      AtomicInteger writesMade = new AtomicInteger();
      CoalescedWrite real =
          new CoalescedWrite(
              "test", Duration.ofMillis(2), System::nanoTime, CoalescedWrite.SHARED_TIMER,
              () -> {
                writesMade.incrementAndGet();
                lastWritten.set(shared.get());
              });
      int threads = 8;
      int changesEach = 2_000;
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        Thread.ofVirtual().start(() -> {
          for (int i = 0; i < changesEach; i++) {
            shared.incrementAndGet();
            real.changed();
          }
          done.countDown();
        });
      }
      done.await();
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (lastWritten.get() != threads * changesEach && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertEquals(threads * changesEach, lastWritten.get(), "the last state landed (round " + round + ")");
      assertTrue(writesMade.get() < threads * changesEach, "writes were gathered");
    }
  }
}

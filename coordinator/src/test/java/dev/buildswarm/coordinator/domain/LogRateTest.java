package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogRateTest {
  @Test
  void aFloodIsCutToTheRateAndTheHoleIsNamed() {
    LogRate rate = new LogRate(1000, 3000, 0);
    String chunk = "x".repeat(1000);
    assertEquals(chunk, rate.admit(chunk, 0));
    assertEquals(chunk, rate.admit(chunk, 0));
    assertEquals(chunk, rate.admit(chunk, 0));
    assertNull(rate.admit(chunk, 0), "the burst is spent");
    assertNull(rate.admit(chunk, 500), "half a second refills half a chunk");
    String next = rate.admit(chunk, 1000);
    assertTrue(next.startsWith("[buildswarm: 2000 bytes of build output dropped: over the coordinator's log limit of 1000 bytes/s per drone]\n"), next);
    assertTrue(next.endsWith(chunk));
    assertEquals(chunk, rate.admit(chunk, 2000), "the note is said once");
  }

  @Test
  void theBucketNeverHoldsMoreThanItsBurst() {
    LogRate rate = new LogRate(1000, 2000, 0);
    assertNull(rate.admit("y".repeat(2001), 1_000_000), "an hour idle does not buy more than the burst");
    assertThrows(IllegalArgumentException.class, () -> new LogRate(0, 1, 0));
  }
}

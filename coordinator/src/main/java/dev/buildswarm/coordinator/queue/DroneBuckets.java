package dev.buildswarm.coordinator.queue;

import dev.buildswarm.redis.DroneBucket;
import java.util.List;
import java.util.Map;

/** Per-drone state buckets. Each bucket is written only through its own drone's current session. */
public interface DroneBuckets {

  /**
   * Sets fields of one drone's bucket and adds to its counters, in one atomic step, and indexes the
   * drone. With {@code opening} the session becomes the bucket's owner; otherwise the write happens
   * only while it still is.
   *
   * @return false when another session of the drone owns the bucket now (nothing was written)
   */
  boolean write(
      String drone, String sessionId, boolean opening, int builtDelta, int failedDelta, Map<String, String> fields);

  /** Every indexed drone's bucket; drones silent for longer than {@code staleAfterMs} show offline. */
  List<DroneBucket> all(long nowMs, long staleAfterMs);
}

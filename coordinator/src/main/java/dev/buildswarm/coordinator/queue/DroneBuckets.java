package dev.buildswarm.coordinator.queue;

import dev.buildswarm.coordinator.domain.DroneOrder;
import dev.buildswarm.coordinator.domain.DroneOrderOutcome;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.redis.DroneBucket;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Per-drone state buckets. Each bucket is written only through its own drone's current session. */
public interface DroneBuckets {

  /**
   * Sets fields of one drone's bucket and adds to its counters, in one atomic step, and indexes the
   * drone. With {@code opening} the session becomes the bucket's owner; otherwise the write happens
   * only while it still is.
   *
   * @return the orders the drone stands under (for the session to tell it), or empty when another
   *     session of the drone owns the bucket now (nothing was written)
   */
  Optional<DroneOrders> write(
      String drone, String sessionId, boolean opening, int builtDelta, int failedDelta, Map<String, String> fields);

  /**
   * Applies an operator's order to a drone, atomically, with an event.
   *
   * @throws IllegalArgumentException when no drone of that name ever registered
   */
  DroneOrderOutcome order(String drone, DroneOrder order, String reason, long nowMs);

  /** Every indexed drone's bucket; drones silent for longer than {@code staleAfterMs} show offline. */
  List<DroneBucket> all(long nowMs, long staleAfterMs);
}

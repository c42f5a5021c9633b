package dev.buildswarm.coordinator.queue;

import dev.buildswarm.redis.DroneBucket;
import java.util.List;
import java.util.Map;

/** Per-drone state buckets. Each bucket is written only through its own drone's session. */
public interface DroneBuckets {

  /** Sets fields of one drone's bucket (one atomic step), and indexes the drone. */
  void write(String drone, Map<String, String> fields);

  /** Every indexed drone's bucket; drones silent for longer than {@code staleAfterMs} show offline. */
  List<DroneBucket> all(long nowMs, long staleAfterMs);
}

package dev.buildswarm.redis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/**
 * Read-only views of a swarm: drone buckets and package counts. Reading changes nothing, so it
 * needs no script. Used by the coordinator's status and by the dashboard. Thread-safe.
 */
public final class SwarmReader {
  private final RedissonClient redis;
  private final RedisKeys keys;

  public SwarmReader(RedissonClient redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Every drone's bucket, read in one round trip after the index, sorted by name. */
  public List<DroneBucket> drones(long nowMs, long staleAfterMs) {
    List<String> names = new ArrayList<>(redis.<String>getSet(keys.droneIndex()).readAll());
    if (names.isEmpty()) {
      return List.of();
    }
    RBatch batch = redis.createBatch();
    List<RFuture<Map<String, String>>> hashes = new ArrayList<>(names.size());
    for (String name : names) {
      hashes.add(batch.<String, String>getMap(keys.droneBucket(name)).readAllMapAsync());
    }
    batch.execute();
    List<DroneBucket> out = new ArrayList<>(names.size());
    for (RFuture<Map<String, String>> hash : hashes) {
      Map<String, String> fields = hash.toCompletableFuture().join();
      if (!fields.isEmpty()) {
        out.add(DroneBucket.fromHash(fields, nowMs, staleAfterMs));
      }
    }
    out.sort(Comparator.comparing(DroneBucket::name));
    return out;
  }

  /** Number of packages per state, as the scripts keep them. */
  public Map<String, Long> packageCounts() {
    Map<String, Long> out = new TreeMap<>();
    redis.<String, String>getMap(keys.stateCounts())
        .readAllMap()
        .forEach((state, n) -> out.put(state, Long.parseLong(n)));
    return out;
  }
}

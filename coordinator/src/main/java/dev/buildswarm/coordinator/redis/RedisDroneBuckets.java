package dev.buildswarm.coordinator.redis;

import dev.buildswarm.coordinator.queue.DroneBuckets;
import dev.buildswarm.coordinator.redis.LuaScripts.Script;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/** Drone buckets as Redis hashes, one per drone. Thread-safe. */
public final class RedisDroneBuckets implements DroneBuckets {
  private final RedissonClient redis;
  private final RedisKeys keys;
  private final LuaScripts scripts;

  public RedisDroneBuckets(RedissonClient redis, RedisKeys keys, LuaScripts scripts) {
    this.redis = redis;
    this.keys = keys;
    this.scripts = scripts;
  }

  @Override
  public void write(String drone, Map<String, String> fields) {
    List<Object> args = new ArrayList<>(1 + 2 * fields.size());
    args.add(drone);
    fields.forEach(
        (field, value) -> {
          args.add(field);
          args.add(value);
        });
    scripts.runForLong(
        Script.DRONE_BUCKET, List.of(keys.droneBucket(drone), keys.droneIndex()), args.toArray());
  }

  @Override
  public List<DroneBucket> all(long nowMs, long staleAfterMs) {
    return readAll(redis, keys, nowMs, staleAfterMs);
  }

  /** Reads every bucket in one round trip after the index. Shared with the dashboard's reader. */
  static List<DroneBucket> readAll(RedissonClient redis, RedisKeys keys, long nowMs, long staleAfterMs) {
    List<String> names = new ArrayList<>(redis.<String>getSet(keys.droneIndex()).readAll());
    RBatch batch = redis.createBatch();
    List<RFuture<Map<String, String>>> hashes = new ArrayList<>(names.size());
    for (String name : names) {
      hashes.add(batch.<String, String>getMap(keys.droneBucket(name)).readAllMapAsync());
    }
    if (!names.isEmpty()) {
      batch.execute();
    }
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
}

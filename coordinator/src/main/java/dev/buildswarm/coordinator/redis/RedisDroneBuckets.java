package dev.buildswarm.coordinator.redis;

import dev.buildswarm.coordinator.domain.DroneOrder;
import dev.buildswarm.coordinator.domain.DroneOrderOutcome;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.coordinator.queue.DroneBuckets;
import dev.buildswarm.coordinator.redis.LuaScripts.Script;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.redisson.api.RedissonClient;

/** Drone buckets as Redis hashes, one per drone. Thread-safe. */
public final class RedisDroneBuckets implements DroneBuckets {
  private final RedisKeys keys;
  private final LuaScripts scripts;
  private final SwarmReader reader;

  public RedisDroneBuckets(RedissonClient redis, RedisKeys keys, LuaScripts scripts) {
    this.keys = keys;
    this.scripts = scripts;
    this.reader = new SwarmReader(redis, keys);
  }

  @Override
  public Optional<DroneOrders> write(
      String drone, String sessionId, boolean opening, int builtDelta, int failedDelta, Map<String, String> fields) {
    List<Object> args = new ArrayList<>(5 + 2 * fields.size());
    args.add(drone);
    args.add(sessionId);
    args.add(opening ? "open" : "update");
    args.add(String.valueOf(builtDelta));
    args.add(String.valueOf(failedDelta));
    fields.forEach(
        (field, value) -> {
          args.add(field);
          args.add(value);
        });
    List<Object> reply =
        scripts.run(Script.DRONE_BUCKET, List.of(keys.droneBucket(drone), keys.droneIndex(), keys.markedDrones()), args.toArray());
    if ((Long) reply.get(0) != 1L) {
      return Optional.empty();
    }
    return Optional.of(new DroneOrders(String.valueOf(reply.get(1)), !String.valueOf(reply.get(2)).isEmpty()));
  }

  @Override
  public DroneOrderOutcome order(String drone, DroneOrder order, String reason, long nowMs) {
    List<Object> reply =
        scripts.run(
            Script.DRONE_CONTROL, List.of(keys.droneBucket(drone)), keys.prefix(), drone, order.wireName(), reason, String.valueOf(nowMs));
    if ((Long) reply.get(0) != 1L) {
      throw new IllegalArgumentException(String.valueOf(reply.get(1)));
    }
    return new DroneOrderOutcome(
        (Long) reply.get(1) == 1L,
        new DroneOrders(String.valueOf(reply.get(2)), !String.valueOf(reply.get(3)).isEmpty()));
  }

  @Override
  public List<DroneBucket> all(long nowMs, long staleAfterMs) {
    return reader.drones(nowMs, staleAfterMs);
  }
}

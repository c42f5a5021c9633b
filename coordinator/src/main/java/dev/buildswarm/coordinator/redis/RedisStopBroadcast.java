package dev.buildswarm.coordinator.redis;

import dev.buildswarm.coordinator.queue.BuildStopper;
import dev.buildswarm.redis.RedisKeys;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;

/**
 * "Stop this build" over Redis pub/sub: a package cancelled through one coordinator stops at once
 * on whichever coordinator holds its drone's session. Best effort: if the message is lost, the
 * drone's next heartbeat renewal is refused and the build is stopped then. Thread-safe.
 */
public final class RedisStopBroadcast implements BuildStopper, AutoCloseable {
  private static final String SEPARATOR = "\n";
  private final RTopic topic;
  private final int listenerId;

  /** Stops arriving from any coordinator are handed to {@code local} (this coordinator's sessions). */
  public RedisStopBroadcast(RedissonClient redis, RedisKeys keys, BuildStopper local) {
    this.topic = redis.getTopic(keys.stopChannel());
    this.listenerId =
        topic.addListener(
            String.class,
            (channel, message) -> {
              String[] parts = message.split(SEPARATOR, 4);
              if (parts.length == 4) {
                try {
                  local.stop(parts[0], parts[1], Long.parseLong(parts[2]), parts[3]);
                } catch (NumberFormatException ignored) {
                  // Not ours to act on.
                }
              }
            });
  }

  @Override
  public void stop(String drone, String packageId, long token, String reason) {
    // Drone names and ids hold no newline; the reason is last and may.
    topic.publishAsync(String.join(SEPARATOR, drone, packageId, String.valueOf(token), reason));
  }

  @Override
  public void close() {
    topic.removeListener(listenerId);
  }
}

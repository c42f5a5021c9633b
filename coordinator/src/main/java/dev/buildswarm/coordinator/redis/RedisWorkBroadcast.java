package dev.buildswarm.coordinator.redis;

import dev.buildswarm.coordinator.queue.WorkBroadcast;
import dev.buildswarm.coordinator.queue.WorkSignal;
import dev.buildswarm.redis.RedisKeys;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;

/**
 * "Work may be ready" over Redis pub/sub, so a package queued through one coordinator wakes idle
 * sessions on every coordinator. Delivery is best effort: sessions also look again on their own
 * every few seconds. Thread-safe.
 */
public final class RedisWorkBroadcast implements WorkBroadcast, AutoCloseable {
  private final RTopic topic;
  private final int listenerId;

  public RedisWorkBroadcast(RedissonClient redis, RedisKeys keys, WorkSignal localWork) {
    this.topic = redis.getTopic(keys.workChannel());
    this.listenerId = topic.addListener(String.class, (channel, message) -> localWork.wakeLocal());
  }

  @Override
  public void publish() {
    topic.publishAsync("work");
  }

  @Override
  public void close() {
    topic.removeListener(listenerId);
  }
}

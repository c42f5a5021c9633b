package dev.buildswarm.coordinator.redis;

import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.redisson.api.RedissonClient;

/** A real Redis per test class, and a fresh swarm (its own keys) with its queue per test. */
@RealRedis
abstract class QueueFixture {
  static RedissonClient redis;
  private static RedisEndpoint endpoint;
  RedisKeys keys;
  RedisJobQueue queue;

  @BeforeAll
  static void connect(RedisEndpoint redisEndpoint) {
    endpoint = redisEndpoint;
    redis = RedisConnection.open(redisEndpoint.url());
  }

  @AfterAll
  static void disconnect() {
    redis.shutdown();
  }

  @BeforeEach
  void freshSwarm() {
    keys = new RedisKeys(endpoint.swarm() + "-" + System.nanoTime());
    queue = new RedisJobQueue(redis, keys, new LuaScripts(redis));
  }
}

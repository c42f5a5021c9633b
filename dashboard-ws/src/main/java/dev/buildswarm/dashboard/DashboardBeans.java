package dev.buildswarm.dashboard;

import dev.buildswarm.dashboard.feed.SnapshotFeed;
import dev.buildswarm.dashboard.feed.SnapshotReader;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/** Wires the dashboard; the only class here that knows Micronaut's DI. */
@Factory
public class DashboardBeans {

  @Singleton
  @Bean(preDestroy = "shutdown")
  RedissonClient redisson(@Value("${buildswarm.redis-url:`redis://127.0.0.1:6379`}") String url) {
    return RedisConnection.open(url);
  }

  @Singleton
  @Bean(preDestroy = "close")
  SnapshotFeed feed(
      RedissonClient redis,
      @Value("${buildswarm.swarm:local}") String swarm,
      @Value("${buildswarm.heartbeat-interval:5s}") Duration heartbeat,
      @Value("${buildswarm.dashboard.interval:300ms}") Duration interval) {
    SnapshotReader reader =
        new SnapshotReader(
            new SwarmReader(redis, new RedisKeys(swarm)),
            swarm,
            Clock.systemUTC(),
            heartbeat.multipliedBy(3).toMillis());
    return new SnapshotFeed(reader, interval);
  }
}

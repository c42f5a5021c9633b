package dev.buildswarm.dashboard;

import io.micronaut.context.annotation.Requires;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.dashboard.actions.CoordinatorAdmin;
import dev.buildswarm.tls.ClientTls;
import dev.buildswarm.dashboard.actions.OperatorActions;
import dev.buildswarm.dashboard.feed.DashboardMetrics;
import dev.buildswarm.dashboard.feed.EventPages;
import dev.buildswarm.dashboard.feed.SnapshotFeed;
import dev.buildswarm.dashboard.feed.SnapshotReader;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import dev.buildswarm.tokens.AcceptedTokens;
import jakarta.inject.Singleton;
import java.util.List;
import java.time.Clock;
import java.time.Duration;
import org.redisson.api.RedissonClient;

/** Wires the dashboard; the only class here that knows Micronaut's DI. */
@Requires(env = DashboardMain.ENVIRONMENT)
@Factory
public class DashboardBeans {

  @Singleton
  @Bean(preDestroy = "shutdown")
  RedissonClient redisson(@Value("${buildswarm.redis-url:`redis://127.0.0.1:6379`}") String url) {
    return RedisConnection.open(url);
  }

  @Singleton
  RedisKeys keys(@Value("${buildswarm.swarm:local}") String swarm) {
    return new RedisKeys(swarm);
  }

  @Singleton
  DashboardMetrics metrics() {
    return new DashboardMetrics();
  }

  @Singleton
  @Bean(preDestroy = "close")
  SnapshotFeed feed(
      DashboardMetrics metrics,
      RedissonClient redis,
      RedisKeys keys,
      @Value("${buildswarm.heartbeat-interval:5s}") Duration heartbeat,
      @Value("${buildswarm.dashboard.interval:250ms}") Duration interval,
      @Value("${buildswarm.dashboard.slow-interval:3s}") Duration slowInterval,
      @Value("${buildswarm.dashboard.utilisation-step:30s}") Duration utilisationStep) {
    SnapshotReader reader =
        new SnapshotReader(
            redis, keys, Clock.systemUTC(), heartbeat.multipliedBy(3).toMillis(), slowInterval, utilisationStep);
    // A plain mapper, not Micronaut's (which leaves out empty lists): the page and the deltas rely
    // on every section being present.
    return new SnapshotFeed(reader::read, new ObjectMapper(), interval, metrics);
  }

  @Singleton
  EventPages eventPages(RedissonClient redis, RedisKeys keys) {
    return new EventPages(redis, keys);
  }

  @Singleton
  @Bean(preDestroy = "close")
  CoordinatorAdmin coordinatorAdmin(
      @Value("${buildswarm.dashboard.coordinator:`localhost:7420`}") String target,
      @Value("${buildswarm.dashboard.operator-token:}") String token,
      @Value("${buildswarm.dashboard.coordinator-tls.ca:}") String ca,
      @Value("${buildswarm.dashboard.coordinator-tls.cert:}") String cert,
      @Value("${buildswarm.dashboard.coordinator-tls.key:}") String key) {
    // The page's operator token is also the dashboard's credential on the admin API.
    return new CoordinatorAdmin(target, token, ClientTls.of(target, ca, cert, key));
  }

  /** Empty (not configured): the view is open. */
  @Singleton
  AcceptedTokens readerTokens(
      @Value("${buildswarm.reader-tokens:}") List<String> tokens,
      @Value("${buildswarm.reader-tokens-file:}") String file) {
    return AcceptedTokens.of("reader tokens (BUILDSWARM_READER_TOKENS, BUILDSWARM_READER_TOKENS_FILE)", tokens, file);
  }

  /** Read-only unless {@code buildswarm.dashboard.operator-token} is set. */
  @Singleton
  OperatorActions operatorActions(
      @Value("${buildswarm.dashboard.operator-token:}") String token, CoordinatorAdmin admin) {
    return new OperatorActions(token, admin);
  }
}

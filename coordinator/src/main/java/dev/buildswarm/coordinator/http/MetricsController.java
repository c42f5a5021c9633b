package dev.buildswarm.coordinator.http;

import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.metrics.CoordinatorMetrics;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.redis.Readiness;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.redisson.api.RedissonClient;

/**
 * {@code GET /metrics}: the Prometheus text format (counts, never atoms, drone names or tokens);
 * behind reader tokens when they are configured ({@code ReaderGate}). Each scrape reads the swarm's status once for the
 * queue and drone gauges; while Redis does not answer, the scrape still answers, with those gauges
 * NaN and {@code buildswarm_redis_up 0}.
 */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@Controller("/metrics")
public class MetricsController {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final CoordinatorMetrics metrics;
  private final SwarmService service;
  private final RedissonClient redis;
  private final RedisKeys keys;

  public MetricsController(CoordinatorMetrics metrics, SwarmService service, RedissonClient redis, RedisKeys keys) {
    this.metrics = metrics;
    this.service = service;
    this.redis = redis;
    this.keys = keys;
  }

  @Get(produces = PROMETHEUS_TEXT)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<String> scrape() {
    SwarmStatus status = null;
    if (Readiness.ofRedis(redis, keys.paused()).up()) {
      try {
        status = service.status();
      } catch (RuntimeException e) {
        // Redis went away between the probe and the read: shown as down, like a failed probe.
      }
    }
    metrics.observe(status);
    return HttpResponse.ok(metrics.scrape());
  }
}

package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.redis.Readiness;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Map;
import org.redisson.api.RedissonClient;

/**
 * The dashboard's health, a public route (no operator token):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process serves HTTP.
 *   <li>{@code GET /health/ready} and {@code GET /health}: 200 {@code UP} when Redis answers within
 *       {@link Readiness#WITHIN} (the page's data comes from there), 503 {@code DOWN} with the reason
 *       when it does not.
 * </ul>
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller("/health")
public class HealthController {
  private final RedissonClient redis;
  private final RedisKeys keys;

  public HealthController(RedissonClient redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  @Get(produces = MediaType.APPLICATION_JSON)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<Map<String, Object>> health() {
    return ready();
  }

  @Get(uri = "/ready", produces = MediaType.APPLICATION_JSON)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<Map<String, Object>> ready() {
    Readiness readiness = Readiness.ofRedis(redis, keys.paused());
    return HttpResponse.<Map<String, Object>>status(readiness.up() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
        .body(readiness.body(Map.of()));
  }

  @Get(uri = "/live", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> live() {
    return Map.of("status", "UP");
  }
}

package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.redisson.api.RedissonClient;

/**
 * The dashboard's health, a public route (no operator token):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process serves HTTP.
 *   <li>{@code GET /health/ready} and {@code GET /health}: 200 {@code UP} when Redis answers within
 *       {@link #REDIS_WITHIN} (the page's data comes from there), 503 {@code DOWN} with the reason
 *       when it does not.
 * </ul>
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller("/health")
public class HealthController {
  /** Well under the 5 s that deploy-scripts' {@code bs_http_get} waits for an answer. */
  static final Duration REDIS_WITHIN = Duration.ofSeconds(2);

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
    Optional<String> problem = RedisConnection.problem(redis, keys.paused(), REDIS_WITHIN);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", problem.isEmpty() ? "UP" : "DOWN");
    body.put("redis", problem.isEmpty() ? "UP" : "DOWN");
    problem.ifPresent(reason -> body.put("reason", reason));
    return problem.isEmpty()
        ? HttpResponse.ok(body)
        : HttpResponse.<Map<String, Object>>status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
  }

  @Get(uri = "/live", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> live() {
    return Map.of("status", "UP");
  }
}

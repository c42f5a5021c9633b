package dev.buildswarm.coordinator.http;

import dev.buildswarm.coordinator.CoordinatorMain;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
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
import java.util.LinkedHashMap;
import java.util.Map;
import org.redisson.api.RedissonClient;

/**
 * Health, a public route (no operator token: load balancers, systemd and deploy scripts poll it):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process serves HTTP; touches nothing else.
 *   <li>{@code GET /health/ready}, and {@code GET /health} as before: 200 {@code UP} with the gRPC
 *       port, version and pause flag when Redis answers within {@link Readiness#WITHIN}; 503 {@code
 *       DOWN} with the reason when it does not ({@link Readiness}).
 * </ul>
 */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@Controller("/health")
public class HealthController {
  private final SwarmService service;
  private final GrpcServer grpc;
  private final RedissonClient redis;
  private final RedisKeys keys;

  public HealthController(SwarmService service, GrpcServer grpc, RedissonClient redis, RedisKeys keys) {
    this.service = service;
    this.grpc = grpc;
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
    Map<String, Object> more = new LinkedHashMap<>();
    more.put("grpcPort", grpc.port());
    more.put("version", CoordinatorMain.version());
    Readiness readiness = Readiness.ofRedis(redis, keys.paused());
    if (readiness.up()) {
      try {
        // One small read: health is polled often, and a full status reads every drone's bucket.
        more.put("paused", service.paused());
      } catch (RuntimeException e) {
        readiness = Readiness.down("Redis unreachable: " + e.getMessage());
      }
    }
    return HttpResponse.<Map<String, Object>>status(readiness.up() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
        .body(readiness.body(more));
  }

  @Get(uri = "/live", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> live() {
    return Map.of("status", "UP", "version", CoordinatorMain.version());
  }
}

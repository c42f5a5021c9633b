package dev.buildswarm.coordinator.http;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import dev.buildswarm.coordinator.CoordinatorMain;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Map;

/** {@code GET /health}: up when Redis answers; tells the gRPC port and version. */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@Controller("/health")
public class HealthController {
  private final SwarmService service;
  private final GrpcServer grpc;

  public HealthController(SwarmService service, GrpcServer grpc) {
    this.service = service;
    this.grpc = grpc;
  }

  @Get
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<Map<String, Object>> health() {
    try {
      // One small read: health is polled often, and a full status reads every drone's bucket.
      boolean paused = service.paused();
      return HttpResponse.ok(
          Map.of("status", "UP", "grpcPort", grpc.port(), "version", CoordinatorMain.version(), "paused", paused));
    } catch (RuntimeException e) {
      return HttpResponse.<Map<String, Object>>serverError()
          .body(Map.of("status", "DOWN", "reason", String.valueOf(e.getMessage())));
    }
  }
}

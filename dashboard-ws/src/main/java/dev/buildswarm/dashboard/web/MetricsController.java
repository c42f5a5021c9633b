package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.dashboard.feed.DashboardMetrics;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/**
 * {@code GET /metrics}: the dashboard's meters in the Prometheus text format; a public route (counts
 * only). Never touches Redis, so it answers on an event loop.
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller("/metrics")
public class MetricsController {
  private final DashboardMetrics metrics;

  public MetricsController(DashboardMetrics metrics) {
    this.metrics = metrics;
  }

  @Get(produces = "text/plain; version=0.0.4; charset=utf-8")
  public String scrape() {
    return metrics.scrape();
  }
}

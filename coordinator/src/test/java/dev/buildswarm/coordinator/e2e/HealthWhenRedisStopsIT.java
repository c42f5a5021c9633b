package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.get;
import static dev.buildswarm.testredis.PrometheusText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.buildswarm.coordinator.EmbeddedDashboard;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Readiness follows Redis: when the test's own redis-server stops, the coordinator's and the
 * dashboard's {@code /health} answer 503 DOWN (in time for a deploy script's 5 s wait), liveness
 * stays 200, and {@code /metrics} still answers, saying Redis is down.
 */
@RealRedis
class HealthWhenRedisStopsIT {

  @Test
  void readinessGoesDownWithRedisWhileLivenessStaysUp(RedisEndpoint redis) throws Exception {
    assumeTrue(redis.ownServer(), "needs a Redis of its own to stop, not a shared REDIS_URL");
    EmbeddedServer server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "5s",
            Map.of("buildswarm.dashboard.embedded", true, "buildswarm.dashboard.port", 0));
    try {
      String dashboardUrl =
          "http://127.0.0.1:"
              + server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow().port();
      assertEquals(200, get(server.getURL() + "/health").statusCode());
      assertEquals(200, get(dashboardUrl + "/health").statusCode());

      redis.stopServer();

      for (String url : new String[] {server.getURL() + "/health", server.getURL() + "/health/ready", dashboardUrl + "/health"}) {
        long began = System.nanoTime();
        HttpResponse<String> down = get(url);
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertEquals(503, down.statusCode(), url + ": " + down.body());
        assertTrue(down.body().contains("\"status\":\"DOWN\"") && down.body().contains("\"redis\":\"DOWN\""), down.body());
        assertTrue(down.body().contains("\"reason\":"), "says why: " + down.body());
        assertTrue(tookMs < 5000, url + " answered within a deploy script's wait: " + tookMs + " ms");
      }
      HttpResponse<String> coordinatorHealth = get(server.getURL() + "/health");
      assertTrue(coordinatorHealth.body().contains("\"version\":"), "still says its version: " + coordinatorHealth.body());
      assertEquals(200, get(server.getURL() + "/health/live").statusCode(), "the coordinator is alive");
      assertEquals(200, get(dashboardUrl + "/health/live").statusCode(), "the dashboard is alive");

      Map<String, Double> metrics = MetricsIT.scrape(server.getURL() + "/metrics");
      assertEquals(0.0, value(metrics, "buildswarm_redis_up"));
      assertTrue(Double.isNaN(value(metrics, "buildswarm_queue_packages{state=\"done\"}")), "no stale count shown as current");
      assertTrue(Double.isNaN(value(metrics, "buildswarm_drones{state=\"idle\"}")));
      assertEquals(200, get(dashboardUrl + "/metrics").statusCode());
    } finally {
      server.close();
    }
  }
}

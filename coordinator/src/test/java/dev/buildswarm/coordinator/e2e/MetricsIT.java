package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.get;
import static dev.buildswarm.testredis.PrometheusText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.EmbeddedDashboard;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.http.DroneHttpServer;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.PrometheusText;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's Prometheus sees after real work: a coordinator (with the dashboard embedded)
 * and a drone serving HTTP build one package and retry another whose fetch failed; each daemon's
 * {@code /metrics} tells so, and its {@code /health} is up.
 */
@RealRedis
class MetricsIT {
  @TempDir Path work;

  @Test
  void eachDaemonsMetricsTellWhatTheSwarmDid(RedisEndpoint redis) throws Exception {
    EmbeddedServer server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "5s",
            Map.of("buildswarm.dashboard.embedded", true, "buildswarm.dashboard.port", 0));
    // A builder whose "flaky" package fails to fetch (a transient failure, retried after a backoff).
    Path builder = work.resolve("builder");
    Files.writeString(
        builder,
        "#!/bin/sh\ncase \"$1\" in *flaky*) echo '!!! Fetch failed for app-misc/flaky-1'; exit 1;; esac\n"
            + "exec '" + TestSwarm.FAKE_EMERGE + "' \"$@\"\n");
    Files.setPosixFilePermissions(builder, PosixFilePermissions.fromString("rwxr-xr-x"));
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                "metered", "localhost", "localhost:" + TestSwarm.grpcPort(server), TestSwarm.droneToken(), 2, 1, 1.0,
                BuildTemplate.of(List.of(builder.toString(), "{atom}")), work, work.resolve("binpkgs"), "-j2",
                Map.of("FAKE_EMERGE_SECONDS", "0.2"), Duration.ofMinutes(1), Duration.ofSeconds(2), "test", Map.of(),
                Duration.ZERO, 8L << 20));
    DroneHttpServer droneHttp = DroneHttpServer.start("127.0.0.1", 0, drone, "test", dev.buildswarm.tokens.AcceptedTokens.none("reader tokens"));
    String droneUrl = "http://127.0.0.1:" + droneHttp.port();
    int dashboardPort =
        server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow().port();
    String dashboardUrl = "http://127.0.0.1:" + dashboardPort;
    WebSocket page = null;
    try {
      HttpResponse<String> notYet = get(droneUrl + "/health");
      assertEquals(503, notYet.statusCode(), "not ready before it registered: " + notYet.body());
      assertTrue(notYet.body().contains("\"registered\":false"), notYet.body());
      assertEquals(200, get(droneUrl + "/health/live").statusCode(), "alive all the same");

      drone.start();
      assertTrue(drone.awaitRegistered(Duration.ofSeconds(10)));
      HttpResponse<String> ready = get(droneUrl + "/health");
      assertEquals(200, ready.statusCode(), ready.body());
      assertTrue(ready.body().contains("\"status\":\"UP\"") && ready.body().contains("\"drone\":\"metered\""), ready.body());

      String added =
          TestSwarm.swarm(
              "--coordinator", "localhost:" + TestSwarm.grpcPort(server), "queue", "add", "=app-misc/hello-1.0",
              "=app-misc/flaky-1");
      assertTrue(added.startsWith("0\n"), added);
      SwarmService service = TestSwarm.service(server);
      await(
          "hello done and flaky waiting for its retry",
          () -> {
            Map<String, Long> counts = service.status().packagesByState();
            return counts.get("done") == 1L && counts.get("delayed") == 1L;
          });
      // A drone's bucket shows a verdict up to DroneSession.BUCKET_INTERVAL later (architecture.md).
      await("the drone's bucket shows it idle", () -> service.drones().get(0).state().equals("idle"));

      // The coordinator.
      Map<String, Double> coordinator = scrape(server.getURL() + "/metrics");
      assertEquals(1.0, value(coordinator, "buildswarm_queue_packages{state=\"done\"}"));
      assertEquals(1.0, value(coordinator, "buildswarm_queue_packages{state=\"delayed\"}"));
      assertEquals(0.0, value(coordinator, "buildswarm_queue_packages{state=\"queued\"}"));
      assertEquals(2.0, value(coordinator, "buildswarm_claims_total{result=\"claimed\"}"));
      assertEquals(1.0, value(coordinator, "buildswarm_retries_total{class=\"transient\"}"));
      assertEquals(0.0, value(coordinator, "buildswarm_failures_total{class=\"permanent\"}"));
      assertEquals(0.0, value(coordinator, "buildswarm_lease_expiries_total"));
      assertEquals(1.0, value(coordinator, "buildswarm_upload_files_total"));
      long packageBytes = Files.size(work.resolve("binpkgs/app-misc/hello-1.0.gpkg.tar"));
      assertEquals((double) packageBytes, value(coordinator, "buildswarm_upload_bytes_total"));
      assertEquals(1.0, value(coordinator, "buildswarm_drones{state=\"idle\"}"));
      assertEquals(0.0, value(coordinator, "buildswarm_drones{state=\"offline\"}"));
      assertEquals(1.0, value(coordinator, "buildswarm_drone_sessions"));
      assertEquals(1.0, value(coordinator, "buildswarm_redis_up"));
      assertTrue(value(coordinator, "buildswarm_script_seconds_count{script=\"claim\"}") >= 2);
      assertEquals(1.0, value(coordinator, "buildswarm_script_seconds_count{script=\"complete\"}"));
      assertEquals(
          value(coordinator, "buildswarm_script_seconds_count{script=\"claim\"}"),
          value(coordinator, "buildswarm_script_seconds_bucket{script=\"claim\",le=\"+Inf\"}"),
          "a histogram: every claim falls in the last bucket");

      // The drone.
      Map<String, Double> metered = scrape(droneUrl + "/metrics");
      assertEquals(1.0, value(metered, "buildswarm_drone_builds_finished_total{result=\"success\"}"));
      assertEquals(1.0, value(metered, "buildswarm_drone_builds_finished_total{result=\"failure\"}"));
      assertEquals(0.0, value(metered, "buildswarm_drone_builds_running"));
      assertEquals(1.0, value(metered, "buildswarm_drone_slots"));
      assertEquals(1.0, value(metered, "buildswarm_drone_registered"));
      assertEquals(0.0, value(metered, "buildswarm_drone_reconnects_total"));
      assertEquals((double) packageBytes, value(metered, "buildswarm_drone_upload_bytes_total"));
      assertTrue(value(metered, "buildswarm_drone_log_bytes_total") > 100, "the builds' output went up");
      assertEquals(2.0, value(metered, "buildswarm_drone_build_seconds_count"));

      // The dashboard, with one page connected.
      page =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(URI.create("ws://127.0.0.1:" + dashboardPort + "/ws"), new WebSocket.Listener() {})
              .join();
      await("the page counted", () -> scrapeQuietly(dashboardUrl + "/metrics").getOrDefault("buildswarm_dashboard_clients", 0.0) == 1.0);
      await("a delta sent", () -> scrapeQuietly(dashboardUrl + "/metrics").getOrDefault("buildswarm_dashboard_deltas_total", 0.0) >= 1.0);
      Map<String, Double> dashboard = scrape(dashboardUrl + "/metrics");
      assertTrue(value(dashboard, "buildswarm_dashboard_snapshot_read_seconds_count") >= 1);
      assertTrue(value(dashboard, "buildswarm_dashboard_snapshot_size_bytes_sum") > 0);
      assertTrue(value(dashboard, "buildswarm_dashboard_snapshots_sent_total") >= 1, "the page's first snapshot");

      // Health, all up.
      HttpResponse<String> health = get(server.getURL() + "/health");
      assertEquals(200, health.statusCode(), health.body());
      assertTrue(health.body().contains("\"status\":\"UP\"") && health.body().contains("\"redis\":\"UP\""), health.body());
      assertTrue(health.body().contains("\"version\":"), "deploy scripts read the version here: " + health.body());
      assertEquals(200, get(server.getURL() + "/health/ready").statusCode());
      assertEquals(200, get(server.getURL() + "/health/live").statusCode());
      HttpResponse<String> dashboardHealth = get(dashboardUrl + "/health");
      assertEquals(200, dashboardHealth.statusCode(), dashboardHealth.body());
      assertTrue(dashboardHealth.body().contains("\"status\":\"UP\""), dashboardHealth.body());

      page.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
      await("the page gone", () -> scrapeQuietly(dashboardUrl + "/metrics").getOrDefault("buildswarm_dashboard_clients", -1.0) == 0.0);
    } finally {
      if (page != null) {
        page.abort();
      }
      drone.close();
      droneHttp.close();
      server.close();
    }
  }

  /** GETs and parses a scrape, failing on a line Prometheus would refuse. */
  static Map<String, Double> scrape(String url) throws Exception {
    HttpResponse<String> response = get(url);
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(
        response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        "the Prometheus text format: " + response.headers().firstValue("Content-Type"));
    return PrometheusText.parse(response.body());
  }

  private static Map<String, Double> scrapeQuietly(String url) {
    try {
      return scrape(url);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}

package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.EmbeddedDashboard;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard inside the coordinator's process: its own port, the swarm's live state. */
@RealRedis
class EmbeddedDashboardIT {
  @TempDir Path work;

  @Test
  void theCoordinatorServesTheDashboardOnItsOwnPortWhenAsked(RedisEndpoint redis) throws Exception {
    EmbeddedServer server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "5s",
            Map.of("buildswarm.dashboard.embedded", true, "buildswarm.dashboard.port", 0));
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                "inside-drone", "h", "localhost:" + TestSwarm.grpcPort(server), TestSwarm.droneToken(), 2, 1, 1.0,
                BuildTemplate.of(List.of("true", "{atom}")), work, work.resolve("pkgs"), "-j2", Map.of(),
                Duration.ofMinutes(1), Duration.ofSeconds(1), "v", Map.of(), Duration.ZERO, 8L << 20));
    try {
      drone.start();
      assertTrue(drone.awaitRegistered(Duration.ofSeconds(10)));
      int port =
          server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow().port();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> page =
          http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("buildswarm"), "the dashboard's page");
      HttpResponse<String> coordinatorRoot =
          http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, coordinatorRoot.statusCode(), "the coordinator's own port does not serve it: two contexts apart");

      List<String> messages = new CopyOnWriteArrayList<>();
      WebSocket socket =
          http.newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + port + "/ws"),
                  new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                      partial.append(data);
                      if (last) {
                        messages.add(partial.toString());
                        partial.setLength(0);
                      }
                      ws.request(1);
                      return null;
                    }
                  })
              .join();
      await("the drone on the live feed", () -> messages.stream().anyMatch(m -> m.contains("inside-drone")));
      assertTrue(messages.get(0).startsWith("{\"type\":\"snapshot\""), "a snapshot first: " + messages.get(0));
      socket.abort();
    } finally {
      drone.close();
      server.close();
    }
  }
}

package dev.buildswarm.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** The dashboard service against a real Redis, read over real HTTP and WebSocket. */
@RealRedis
class DashboardIT {
  private EmbeddedServer server;
  private RedissonClient redis;
  private RedisKeys keys;

  @BeforeEach
  void start(RedisEndpoint endpoint) {
    String swarm = endpoint.swarm() + "-" + System.nanoTime();
    keys = new RedisKeys(swarm);
    redis = RedisConnection.open(endpoint.url());
    server =
        ApplicationContext.run(
            EmbeddedServer.class,
            Map.of(
                "micronaut.server.port", -1,
                "buildswarm.redis-url", endpoint.url(),
                "buildswarm.swarm", swarm,
                "buildswarm.dashboard.interval", "50ms"));
  }

  @AfterEach
  void stop() {
    server.close();
    redis.shutdown();
  }

  /** What a drone session writes: its own bucket only. */
  private void bucket(String name, String state, String running) {
    Map<String, String> fields = new HashMap<>();
    fields.put(DroneBucket.NAME, name);
    fields.put(DroneBucket.STATE, state);
    fields.put(DroneBucket.CORES, "8");
    fields.put(DroneBucket.SLOTS, "2");
    fields.put(DroneBucket.RUNNING, running);
    fields.put(DroneBucket.VERSION, "test");
    fields.put(DroneBucket.LAST_HEARTBEAT_MS, String.valueOf(System.currentTimeMillis()));
    redis.<String, String>getMap(keys.droneBucket(name)).putAll(fields);
    redis.<String>getSet(keys.droneIndex()).add(name);
  }

  @Test
  void thePageIsServed() throws Exception {
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(server.getURL() + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<title>buildswarm</title>"));
    assertTrue(page.body().contains("/ws"));
  }

  @Test
  void snapshotsMergeEveryDronesOwnBucket() throws Exception {
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://localhost:" + server.getPort() + "/ws"),
                new WebSocket.Listener() {
                  private final StringBuilder partial = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      messages.add(partial.toString());
                      partial.setLength(0);
                    }
                    socket.request(1);
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(messages.poll(10, TimeUnit.SECONDS));
    assertEquals("snapshot", first.get("type").asText());

    // Eight drones report at (nearly) the same instant: every one shows, each with its own state.
    for (int i = 0; i < 8; i++) {
      bucket("drone-" + i, i % 2 == 0 ? "building" : "idle", i % 2 == 0 ? (i + 1) + "=app-misc/p" + i + "-1" : "");
    }
    JsonNode seen = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      String message = messages.poll(1, TimeUnit.SECONDS);
      if (message == null) {
        continue;
      }
      JsonNode snap = json.readTree(message);
      if (snap.get("drones").size() == 8) {
        seen = snap;
        break;
      }
    }
    assertTrue(seen != null, "a snapshot with all eight drones arrived");
    for (int i = 0; i < 8; i++) {
      JsonNode drone = seen.get("drones").get(i);
      assertEquals("drone-" + i, drone.get("name").asText());
      assertEquals(i % 2 == 0 ? "building" : "idle", drone.get("state").asText());
      if (i % 2 == 0) {
        assertEquals((i + 1) + "=app-misc/p" + i + "-1", drone.get("running").get(0).asText());
      }
    }
    assertEquals(4, seen.get("summary").get("building").asInt());
    assertEquals(32, seen.get("summary").get("coresActive").asInt());
    ws.abort();
  }
}

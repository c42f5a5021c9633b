package dev.buildswarm.coordinator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.LocalRedisCluster;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swarm on a real three-master Redis Cluster: two coordinators (so pub/sub between them is
 * used), two drones building with examples/fake-emerge, the CLI. Every key of a swarm must sit in
 * its one hash slot, and every script must reach the master that owns it.
 */
class RedisClusterIT {
  private static LocalRedisCluster cluster;

  @TempDir Path work;
  private final List<AutoCloseable> running = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalRedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void stopSwarm() throws Exception {
    for (AutoCloseable c : running.reversed()) {
      c.close();
    }
  }

  /**
   * A swarm name whose slot is not on the first node listed in the URL, so a script sent where
   * Redisson first connects would be refused (MOVED or "non local key") rather than pass by luck.
   */
  private static String swarmAwayFromTheSeed(String base) throws Exception {
    for (int i = 0; ; i++) {
      String name = base + "-" + i;
      if (cluster.ownerOf(new RedisKeys(name).packageSequence()) != cluster.ports().getFirst()) {
        return name;
      }
    }
  }

  private EmbeddedServer coordinator(String swarm, Map<String, Object> more) {
    EmbeddedServer server = TestSwarm.coordinator(cluster.url(), swarm, 0, "3s", more);
    running.add(server);
    return server;
  }

  private DroneAgent drone(String name, EmbeddedServer coordinator, Map<String, String> env) throws Exception {
    DroneAgent drone = TestSwarm.fakeEmergeDrone(name, coordinator, work, env);
    running.add(drone::close);
    return drone;
  }

  @Test
  void queuedPackagesAreBuiltOnceEachByTwoDronesWithEveryKeyInTheSwarmsSlot() throws Exception {
    String swarm = swarmAwayFromTheSeed("cluster-flow");
    EmbeddedServer first = coordinator(swarm, Map.of());
    EmbeddedServer second = coordinator(swarm, Map.of());
    Path argvLog = work.resolve("argv.log");
    Map<String, String> env = Map.of("FAKE_EMERGE_SECONDS", "0.2", "FAKE_EMERGE_ARGV_LOG", argvLog.toString());
    drone("drone-a", first, env);
    drone("drone-b", second, env);

    List<String> add = new ArrayList<>(List.of("--coordinator", "localhost:" + TestSwarm.grpcPort(second), "queue", "add"));
    for (int i = 0; i < 12; i++) {
      add.add("=app-misc/cluster" + i + "-1.0");
    }
    String added = TestSwarm.swarm(add.toArray(String[]::new));
    assertTrue(added.startsWith("0\n") && added.contains("12 queued"), added);

    SwarmService service = TestSwarm.service(first);
    TestSwarm.await("all twelve done", () -> Long.valueOf(12).equals(service.status().packagesByState().get("done")));

    List<String> built = Files.readAllLines(argvLog);
    assertEquals(12, built.size(), "each package built exactly once: " + built);
    assertEquals(12, built.stream().distinct().count(), "each package built exactly once: " + built);
    Map<String, Long> byDrone = new TreeMap<>();
    TestSwarm.await("the drones' counters add up to twelve", () -> {
      service.drones().forEach(d -> byDrone.put(d.name(), d.built()));
      return byDrone.values().stream().mapToLong(Long::longValue).sum() == 12L;
    });
    assertTrue(byDrone.get("drone-a") > 0 && byDrone.get("drone-b") > 0, "both drones built: " + byDrone);

    // The event stream, read through the CLI by cursor in pages, tells the whole story.
    List<JsonNode> events = TestSwarm.allEvents("localhost:" + TestSwarm.grpcPort(first));
    assertEquals(12, events.stream().filter(e -> e.get("type").asText().equals("queued")).count());
    assertEquals(12, events.stream().filter(e -> e.get("type").asText().equals("done")).count());
    assertEquals(12, events.stream().filter(e -> e.get("type").asText().equals("claimed")).count(), "nothing claimed twice");

    // Every key the swarm wrote is on the master owning its hash slot; the other masters hold none.
    int owner = cluster.ownerOf(new RedisKeys(swarm).packageSequence());
    for (int port : cluster.ports()) {
      long keys = cluster.keysOn(port);
      assertTrue(port == owner ? keys > 12 : keys == 0, "node " + port + " (owner " + owner + ") holds " + keys + " keys");
    }
  }

  @Test
  void aCancelThroughOneCoordinatorStopsTheBuildOnAnothersDroneOverClusterPubSub() throws Exception {
    String swarm = swarmAwayFromTheSeed("cluster-stop");
    // Heartbeats every 30 s: only the stop message can end the build quickly.
    Map<String, Object> slowBeats = Map.of("buildswarm.heartbeat-interval", "30s", "buildswarm.lease-ttl", "90s");
    EmbeddedServer near = coordinator(swarm, slowBeats);
    EmbeddedServer far = coordinator(swarm, slowBeats);
    DroneAgent drone = drone("drone-far", far, Map.of("FAKE_EMERGE_SECONDS", "120"));

    SwarmService service = TestSwarm.service(near);
    service.enqueue(List.of("=app-misc/long-1"), 0);
    TestSwarm.await("the build runs", () -> drone.runningBuilds() == 1 && "building".equals(service.packageRecord("1").get("state")));

    long cancelledAt = System.nanoTime();
    assertInstanceOf(Report.Cancelled.class, service.cancel("=app-misc/long-1", "test"));
    TestSwarm.await("the far drone stopped the build", () -> drone.runningBuilds() == 0);
    long tookMs = (System.nanoTime() - cancelledAt) / 1_000_000;
    assertTrue(tookMs < 4_000, "stopped in " + tookMs + " ms, before any heartbeat could have");
    assertEquals("cancelled", service.packageRecord("1").get("state"));
  }
}

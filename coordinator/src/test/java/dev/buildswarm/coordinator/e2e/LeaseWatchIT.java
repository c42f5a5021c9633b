package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drone whose network hangs (packets dropped, nothing reset: its gRPC stream does not fail for a
 * minute) stops its build before its lease can expire, so the package never builds on two drones
 * at once. The drone talks through deploy-scripts/chaos/BlackHoleProxy.java, the chaos soak's cut.
 */
@RealRedis
class LeaseWatchIT {
  @TempDir Path work;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  @Test
  void aDroneBehindAHangingNetworkStopsItsBuildBeforeAnotherDroneStartsIt(RedisEndpoint redis) throws Exception {
    EmbeddedServer server =
        TestSwarm.coordinator(redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "4s", Map.of("buildswarm.heartbeat-interval", "500ms"));
    closing.add(server::close);
    SwarmService service = TestSwarm.service(server);
    int proxyPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      proxyPort = probe.getLocalPort();
    }
    Path cut = work.resolve("cut");
    Path proxyLog = work.resolve("proxy.log");
    Process proxy =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                TestSwarm.ROOT.resolve("deploy-scripts/chaos/BlackHoleProxy.java").toString(),
                String.valueOf(proxyPort), "127.0.0.1:" + TestSwarm.grpcPort(server), cut.toString())
            .redirectErrorStream(true)
            .redirectOutput(proxyLog.toFile())
            .start();
    closing.add(proxy::destroyForcibly);
    await("the proxy listens", 60, () -> read(proxyLog).contains("listening"));

    Path builds = work.resolve("builds.log");
    DroneAgent cutOff = drone("cut-off", "localhost:" + proxyPort, "30", builds);
    assertTrue(swarm("--coordinator", "localhost:" + TestSwarm.grpcPort(server), "queue", "add", "=app-misc/long-1").startsWith("0\n"));
    await("it builds behind the proxy", () -> read(builds).contains("start"));

    Files.createFile(cut);
    drone("direct", "localhost:" + TestSwarm.grpcPort(server), "0.2", builds);
    await("built by the other drone", 60, () -> "done".equals(service.packageRecord("1").get("state")));

    // start/end lines: "start|end EPOCH PID ATTEMPT WHO ATOM [outcome]"
    double cutOffEnded = -1;
    double directStarted = -1;
    for (String line : Files.readAllLines(builds)) {
      String[] f = line.split(" ");
      if (f[0].equals("end") && f[4].equals("cut-off")) {
        cutOffEnded = Double.parseDouble(f[1]);
        assertEquals("TERM", f[6], "stopped by its drone: " + line);
      }
      if (f[0].equals("start") && f[4].equals("direct")) {
        directStarted = Double.parseDouble(f[1]);
      }
    }
    assertTrue(cutOffEnded > 0, "the cut-off build was stopped: " + read(builds));
    assertTrue(directStarted > cutOffEnded, "no two builds at once: " + read(builds));
    assertEquals("direct", service.packageRecord("1").get("drone"));
  }

  /**
   * The coordinator accepts a lease TTL of twice the heartbeat interval; half that TTL is one
   * interval, so a lease watch at half the TTL would stop a healthy build between a heartbeat and
   * its answer. A build on a healthy connection runs to its end.
   */
  @Test
  void aBuildOnAHealthyConnectionIsNotStoppedWhenTheLeaseTtlIsTwiceTheHeartbeatInterval(RedisEndpoint redis)
      throws Exception {
    EmbeddedServer server =
        TestSwarm.coordinator(redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "1s", Map.of("buildswarm.heartbeat-interval", "500ms"));
    closing.add(server::close);
    SwarmService service = TestSwarm.service(server);
    Path builds = work.resolve("builds.log");
    drone("steady", "localhost:" + TestSwarm.grpcPort(server), "8", builds);
    assertTrue(swarm("--coordinator", "localhost:" + TestSwarm.grpcPort(server), "queue", "add", "=app-misc/steady-1").startsWith("0\n"));
    await("built", 60, () -> "done".equals(service.packageRecord("1").get("state")));
    assertEquals("1", service.packageRecord("1").get("attempt"), "built in one attempt: " + read(builds));
    assertTrue(!read(builds).contains("TERM"), "never stopped: " + read(builds));
  }

  private DroneAgent drone(String name, String target, String seconds, Path builds) throws InterruptedException {
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "localhost", target, TestSwarm.droneToken(), 2, 1, 1.0,
                BuildTemplate.of(List.of(TestSwarm.FAKE_EMERGE, "{atom}")), work, work.resolve("pkgs-" + name), "-j2",
                Map.of("FAKE_EMERGE_SECONDS", seconds, "FAKE_EMERGE_BUILD_LOG", builds.toString(), "FAKE_EMERGE_WHO", name),
                Duration.ofMinutes(5), Duration.ofMillis(500), "test", Map.of(), Duration.ZERO, 8L << 20));
    closing.add(drone::close);
    drone.start();
    assertTrue(drone.awaitRegistered(Duration.ofSeconds(30)), name + " registered");
    return drone;
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

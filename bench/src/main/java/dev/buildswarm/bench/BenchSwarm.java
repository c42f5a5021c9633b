package dev.buildswarm.bench;

import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildProcess;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.tokens.TokenSource;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real swarm in this JVM for the benchmarks: the coordinator's Micronaut application (real gRPC on
 * loopback, real Lua scripts on the Redis at the given URL) and {@link DroneAgent}s that connect to
 * it over gRPC and run their builds as real processes. Not thread-safe; one per benchmark run.
 */
final class BenchSwarm implements AutoCloseable {
  private static final String DRONE_TOKEN = "bench-drone-token-0123456789";
  private static final String OPERATOR_TOKEN = "bench-operator-token-0123456789";

  private final EmbeddedServer coordinator;
  private final Path work;
  private final List<DroneAgent> drones = new ArrayList<>();

  BenchSwarm(String redisUrl, String swarm, Path work) throws IOException {
    this.work = work;
    Map<String, Object> settings = new HashMap<>();
    settings.put("micronaut.server.port", -1);
    settings.put("buildswarm.redis-url", redisUrl);
    settings.put("buildswarm.swarm", swarm);
    settings.put("buildswarm.grpc.port", 0);
    settings.put("buildswarm.binhost.dir", Files.createDirectories(work.resolve("binhost")).toString());
    settings.put("buildswarm.binhost.hook", "");
    settings.put("buildswarm.drone-tokens", DRONE_TOKEN);
    settings.put("buildswarm.operator-tokens", OPERATOR_TOKEN);
    // A log line per build is not what is measured.
    settings.put("logger.levels.dev.buildswarm", "WARN");
    settings.put("logger.levels.io.micronaut", "WARN");
    coordinator = ApplicationContext.run(EmbeddedServer.class, settings);
  }

  SwarmService service() {
    return coordinator.getApplicationContext().getBean(SwarmService.class);
  }

  /**
   * Starts a drone with one slot running {@code argv} (with {@code {atom}}) and waits until it
   * registered.
   */
  DroneAgent drone(
      String name, int cores, double speedFactor, List<String> argv, Map<String, String> env, BuildProcess.Watcher watcher)
      throws IOException, InterruptedException {
    Path dir = Files.createDirectories(work.resolve("drone-" + name));
    String target = "localhost:" + coordinator.getApplicationContext().getBean(GrpcServer.class).port();
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "localhost", target, TokenSource.of(DRONE_TOKEN, null), cores, 1, speedFactor,
                BuildTemplate.of(argv), dir, dir.resolve("binpkgs"), "-j" + cores, env, Duration.ofHours(1),
                Duration.ofSeconds(2), "bench", Map.of(), Duration.ZERO, 8L << 20),
            watcher);
    drones.add(drone);
    drone.start();
    if (!drone.awaitRegistered(Duration.ofSeconds(20))) {
      throw new IllegalStateException("drone " + name + " did not register");
    }
    return drone;
  }

  /** Writes an executable script into the work folder. */
  Path script(String name, String text) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  /** Waits until no package of the swarm is unfinished (queued, claimed, building, delayed). */
  void awaitIdle(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Long> states = service().status().packagesByState();
      long open = 0;
      for (String state : List.of("queued", "claimed", "building", "delayed", "blocked")) {
        open += states.getOrDefault(state, 0L);
      }
      if (open == 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("swarm still busy after " + limit + ": " + service().status().packagesByState());
  }

  @Override
  public void close() {
    drones.forEach(DroneAgent::close);
    coordinator.close();
  }
}

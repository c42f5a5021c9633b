package dev.buildswarm.coordinator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the end-to-end tests share: a real coordinator on a real Redis, the CLI, waiting. */
final class TestSwarm {
  static final Path ROOT = Path.of(System.getProperty("buildswarm.root", "..")).toAbsolutePath();
  static final String FAKE_EMERGE = ROOT.resolve("examples/fake-emerge").toString();

  private TestSwarm() {}

  /** A coordinator (gRPC on {@code grpcPort}, 0 for any) with fast heartbeats, and more settings. */
  static EmbeddedServer coordinator(String redisUrl, String swarm, int grpcPort, String leaseTtl, Map<String, Object> more) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("micronaut.server.port", -1);
    settings.put("buildswarm.redis-url", redisUrl);
    settings.put("buildswarm.swarm", swarm);
    settings.put("buildswarm.grpc.port", grpcPort);
    settings.put("buildswarm.heartbeat-interval", "200ms");
    settings.put("buildswarm.lease-ttl", leaseTtl);
    try {
      // Uploaded packages go to a folder of the test's own, not into the working directory.
      settings.put("buildswarm.binhost.dir", java.nio.file.Files.createTempDirectory("binhost").toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    settings.put("buildswarm.binhost.hook", "");
    settings.putAll(more);
    return ApplicationContext.run(EmbeddedServer.class, settings);
  }

  static int grpcPort(EmbeddedServer server) {
    return server.getApplicationContext().getBean(GrpcServer.class).port();
  }

  static SwarmService service(EmbeddedServer server) {
    return server.getApplicationContext().getBean(SwarmService.class);
  }

  /** Runs the swarm CLI; returns its exit code, a line break, then what it printed. */
  static String swarm(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SwarmCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return code + "\n" + out + err;
  }

  /**
   * Starts a drone (2 cores, 2 slots) building with examples/fake-emerge against {@code
   * coordinator}, with the builder's environment {@code env}, and waits until it registered. The
   * caller closes it.
   */
  static DroneAgent fakeEmergeDrone(
      String name, EmbeddedServer coordinator, Path work, Map<String, String> env) throws InterruptedException {
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "localhost", "localhost:" + grpcPort(coordinator), 2, 2, 1.0,
                BuildTemplate.of(List.of(FAKE_EMERGE, "--oneshot", "{atom}")), work,
                work.resolve("binpkgs-" + name), "-j2", env, Duration.ofMinutes(5), Duration.ofSeconds(2),
                "test", Map.of(), Duration.ZERO, 8L << 20));
    drone.start();
    if (!drone.awaitRegistered(Duration.ofSeconds(10))) {
      drone.close();
      throw new AssertionError(name + " did not register");
    }
    return drone;
  }

  /** Every event of the swarm, read through {@code swarm --json events} by cursor, 50 a page. */
  static List<JsonNode> allEvents(String target) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    String cursor = "";
    while (true) {
      String page = swarm("--coordinator", target, "--json", "events", "--since", cursor, "--limit", "50");
      if (!page.startsWith("0\n")) {
        throw new AssertionError("swarm events failed: " + page);
      }
      List<String> lines = page.substring(2).strip().lines().filter(l -> !l.isBlank()).toList();
      for (String line : lines) {
        events.add(json.readTree(line));
      }
      if (lines.isEmpty()) {
        return events;
      }
      cursor = events.getLast().get("cursor").asText();
    }
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    await(what, 30, condition);
  }

  static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(seconds);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(25);
    }
  }
}

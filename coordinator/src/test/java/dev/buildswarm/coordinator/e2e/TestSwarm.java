package dev.buildswarm.coordinator.e2e;

import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
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
    } catch (java.io.IOException e) {
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

  /** GET {@code url} as a monitoring probe would: a 10 s limit, the status and body whatever they are. */
  static java.net.http.HttpResponse<String> get(String url) throws java.io.IOException, InterruptedException {
    try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
      return client.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    }
  }
}

package dev.buildswarm.coordinator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.tokens.TokenSource;
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
  /** The credentials every test coordinator accepts (tests of credentials set their own). */
  static final String DRONE_TOKEN = "test-drone-token-0123456789";
  static final String OPERATOR_TOKEN = "test-operator-token-0123456789";

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
    settings.putAll(credentials());
    settings.putAll(more);
    return ApplicationContext.run(EmbeddedServer.class, settings);
  }

  /** The drone and operator tokens of {@link #DRONE_TOKEN} and {@link #OPERATOR_TOKEN}, as settings. */
  static Map<String, Object> credentials() {
    return Map.of("buildswarm.drone-tokens", DRONE_TOKEN, "buildswarm.operator-tokens", OPERATOR_TOKEN);
  }

  /** A plaintext channel whose every call presents {@code token} (null: none). */
  static io.grpc.ManagedChannel channel(String target, String token) {
    io.grpc.ManagedChannelBuilder<?> builder = io.grpc.ManagedChannelBuilder.forTarget(target).usePlaintext();
    if (token != null) {
      builder.intercept(bearer(token));
    }
    return builder.build();
  }

  /** Attaches {@code authorization: Bearer <token>} to every call. */
  static io.grpc.ClientInterceptor bearer(String token) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  static TokenSource droneToken() {
    return TokenSource.of(DRONE_TOKEN, null);
  }

  static int grpcPort(EmbeddedServer server) {
    return server.getApplicationContext().getBean(GrpcServer.class).port();
  }

  static SwarmService service(EmbeddedServer server) {
    return server.getApplicationContext().getBean(SwarmService.class);
  }

  /**
   * Runs the swarm CLI, with the operator token unless the arguments give one; returns its exit
   * code, a line break, then what it printed.
   */
  static String swarm(String... args) {
    return swarmAs(java.util.Arrays.asList(args).contains("--token") ? null : OPERATOR_TOKEN, args);
  }

  /** Runs the swarm CLI with {@code token} (null: none); as {@link #swarm}. */
  static String swarmAs(String token, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    if (token != null) {
      String[] withToken = new String[args.length + 2];
      withToken[0] = "--token";
      withToken[1] = token;
      System.arraycopy(args, 0, withToken, 2, args.length);
      args = withToken;
    }
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
                name, "localhost", "localhost:" + grpcPort(coordinator), droneToken(), 2, 2, 1.0,
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

  /** GET {@code url} as a monitoring probe would: a 10 s limit, the status and body whatever they are. */
  static java.net.http.HttpResponse<String> get(String url) throws java.io.IOException, InterruptedException {
    try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
      return client.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    }
  }
}

package dev.buildswarm.coordinator.e2e;

import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.tokens.TokenSource;
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
    } catch (java.io.IOException e) {
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

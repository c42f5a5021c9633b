package dev.buildswarm.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.buildswarm.singleinstance.PidfileGuard;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lesson 11 for the coordinator: the real main, started as processes of their own. */
@RealRedis
class SingleCoordinatorIT {
  private static final int SIGTERM_EXIT = 128 + 15;

  @TempDir Path dir;

  private RedisEndpoint redis;
  private final List<Process> started = new ArrayList<>();
  private final Map<Process, Path> logs = new HashMap<>();

  private boolean withoutTokens;

  @BeforeEach
  void redis(RedisEndpoint endpoint) {
    redis = endpoint;
  }

  @AfterEach
  void killEveryCoordinator() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly();
    }
    for (Process process : started) {
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondCoordinatorRefusesBeforeItConnectsOrBindsAnything() throws Exception {
    Path pidfile = dir.resolve("coordinator.pid");
    // This test JVM stands in for the running coordinator (so no --takeover below: it would be
    // the one signalled).
    try (PidfileGuard holder = PidfileGuard.acquire(pidfile)) {
      int http = freePort();
      Process second =
          coordinator(
              http, freePort(), "redis://127.0.0.1:1", "--pidfile", pidfile.toString(), "--buildswarm.swarm=ignored");
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second coordinator exits");
      String said = output(second);
      assertEquals(PidfileGuard.EXIT_ALREADY_RUNNING, second.exitValue(), said);
      assertTrue(said.contains("NOT STARTED"), said);
      assertTrue(said.contains(pidfile.toString()), said);
      assertTrue(said.contains("pid " + holder.pid()), said);
      assertTrue(said.contains("--takeover"), said);
      // Micronaut never started: no startup line, no attempt at the (unreachable) Redis.
      assertTrue(!said.contains("Startup completed") && !said.contains("redis"), said);
    }
  }

  @Test
  void aCoordinatorWithoutDroneOrOperatorTokensDoesNotStart() throws Exception {
    withoutTokens = true;
    Process bare = coordinator(freePort(), freePort(), redis.url(), "--pidfile", dir.resolve("bare.pid").toString());
    assertTrue(bare.waitFor(90, TimeUnit.SECONDS), "it exits");
    String said = output(bare);
    assertTrue(bare.exitValue() != 0, said);
    assertTrue(said.contains("no drone token is configured: set drone tokens (BUILDSWARM_DRONE_TOKENS"), said);
  }

  @Test
  void takeoverReplacesARunningCoordinatorOnTheSamePorts() throws Exception {
    Path pidfile = dir.resolve("coordinator.pid");
    int http = freePort();
    int grpc = freePort();
    Process old = coordinator(http, grpc, redis.url(), "--pidfile", pidfile.toString());
    awaitHealthy(old, http);
    assertEquals(old.pid() + "\n", Files.readString(pidfile));

    Process successor =
        coordinator(http, grpc, redis.url(), "--pidfile", pidfile.toString(), "--takeover", "--takeover-grace", "30s");

    assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the old coordinator exits");
    assertEquals(SIGTERM_EXIT, old.exitValue(), output(old));
    awaitHealthy(successor, http);
    assertEquals(successor.pid() + "\n", Files.readString(pidfile));
    assertTrue(health(http).contains("\"grpcPort\":" + grpc), health(http));
    assertTrue(successor.isAlive());
  }

  // ---------------------------------------------------------------------------------------------

  private Process coordinator(int http, int grpc, String redisUrl, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                CoordinatorMain.class.getName()));
    command.addAll(List.of(args));
    Path log = dir.resolve("coordinator-" + started.size() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(
        Map.of(
            "BUILDSWARM_REDIS_URL", redisUrl,
            "BUILDSWARM_SWARM", redis.swarm() + "-single",
            "BUILDSWARM_HTTP_PORT", String.valueOf(http),
            "BUILDSWARM_GRPC_PORT", String.valueOf(grpc),
            "BUILDSWARM_BINHOST_DIR", dir.resolve("binhost").toString(),
            "BUILDSWARM_DRONE_TOKENS", withoutTokens ? "" : "single-drone-token-0123456789",
            "BUILDSWARM_OPERATOR_TOKENS", withoutTokens ? "" : "single-operator-token-0123456789"));
    Process process = builder.start();
    started.add(process);
    logs.put(process, log);
    return process;
  }

  private String output(Process process) throws IOException {
    return Files.readString(logs.get(process));
  }

  private void awaitHealthy(Process process, int http) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!health(http).contains("\"UP\"")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        fail("coordinator pid " + process.pid() + " did not come up: " + output(process));
      }
      Thread.sleep(100);
    }
  }

  private static String health(int http) throws InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      return "";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

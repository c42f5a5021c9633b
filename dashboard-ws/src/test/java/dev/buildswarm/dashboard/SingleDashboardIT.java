package dev.buildswarm.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** Lesson 11 for the dashboard: the real main, started as processes of their own. */
@RealRedis
class SingleDashboardIT {
  private static final int SIGTERM_EXIT = 128 + 15;

  @TempDir Path dir;

  private RedisEndpoint redis;
  private final List<Process> started = new ArrayList<>();
  private final Map<Process, Path> logs = new HashMap<>();

  @BeforeEach
  void redis(RedisEndpoint endpoint) {
    redis = endpoint;
  }

  @AfterEach
  void killEveryDashboard() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly();
    }
    for (Process process : started) {
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondDashboardRefusesBeforeItBindsItsPort() throws Exception {
    Path pidfile = dir.resolve("dashboard.pid");
    // This test JVM stands in for the running dashboard (so no --takeover: it would be signalled).
    try (PidfileGuard holder = PidfileGuard.acquire(pidfile)) {
      int port = freePort();
      Process second = dashboard(port, "--pidfile", pidfile.toString());
      assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second dashboard exits");
      String said = output(second);
      assertEquals(PidfileGuard.EXIT_ALREADY_RUNNING, second.exitValue(), said);
      assertTrue(said.contains("buildswarm-dashboard NOT STARTED"), said);
      assertTrue(said.contains(pidfile.toString()), said);
      assertTrue(said.contains("pid " + holder.pid()), said);
      assertTrue(said.contains("--takeover"), said);
      assertFalse(said.contains("Startup completed"), "Micronaut never started: " + said);
      assertEquals("", health(port), "nothing listens on its port");
    }
  }

  @Test
  void takeoverReplacesARunningDashboardOnTheSamePort() throws Exception {
    Path pidfile = dir.resolve("dashboard.pid");
    int port = freePort();
    Process old = dashboard(port, "--pidfile", pidfile.toString());
    awaitHealthy(old, port);
    assertEquals(old.pid() + "\n", Files.readString(pidfile));

    Process successor = dashboard(port, "--pidfile", pidfile.toString(), "--takeover", "--takeover-grace", "20s");

    assertTrue(old.waitFor(60, TimeUnit.SECONDS), "the old dashboard exits");
    assertEquals(SIGTERM_EXIT, old.exitValue(), output(old));
    awaitHealthy(successor, port);
    assertEquals(successor.pid() + "\n", Files.readString(pidfile));
    assertTrue(successor.isAlive());
  }

  @Test
  void aBadTakeoverGraceIsRefusedNamingIt() throws Exception {
    Process bad = dashboard(freePort(), "--pidfile", dir.resolve("d.pid").toString(), "--takeover-grace", "soon");
    assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
    String said = output(bad);
    assertEquals(2, bad.exitValue(), said);
    assertTrue(said.contains("'soon' is not a duration"), said);
  }

  // ---------------------------------------------------------------------------------------------

  private Process dashboard(int port, String... args) throws IOException {
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
                DashboardMain.class.getName()));
    command.addAll(List.of(args));
    Path log = dir.resolve("dashboard-" + started.size() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(
        Map.of(
            "BUILDSWARM_REDIS_URL", redis.url(),
            "BUILDSWARM_SWARM", redis.swarm() + "-single",
            "BUILDSWARM_DASHBOARD_PORT", String.valueOf(port)));
    Process process = builder.start();
    started.add(process);
    logs.put(process, log);
    return process;
  }

  private String output(Process process) throws IOException {
    return Files.readString(logs.get(process));
  }

  private void awaitHealthy(Process process, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!health(port).contains("UP")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        fail("dashboard pid " + process.pid() + " did not come up: " + output(process));
      }
      Thread.sleep(100);
    }
  }

  private static String health(int port) throws InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(5)).build(),
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

package dev.buildswarm.drone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.buildswarm.singleinstance.PidfileGuard;
import dev.buildswarm.testredis.PrometheusText;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lesson 11: the real drone main, started as processes of their own, leaves one drone per
 * pidfile. The coordinator address is a port nothing listens on: a drone without a coordinator
 * keeps retrying its session, so it stays up until it is stopped. Also the drone's opt-in HTTP
 * server: up on the port it is given, absent otherwise.
 */
class SingleDroneIT {
  private static final int SIGTERM_EXIT = 128 + 15;
  private static final int SIGKILL_EXIT = 128 + 9;

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();
  private final Map<Process, Path> logs = new HashMap<>();
  private String coordinator;

  @BeforeEach
  void nothingListensThere() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      coordinator = "127.0.0.1:" + socket.getLocalPort();
    }
  }

  @AfterEach
  void killEveryDrone() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly();
    }
    for (Process process : started) {
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theDroneServesHealthAndMetricsOnThePortItsConfigGives() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Path config = dir.resolve("drone.properties");
    Files.writeString(config, "http-port=" + port + "\nslots=3\n");
    String reader = "drone-reader-token-0123456789";
    Process drone =
        drone(Map.of("BUILDSWARM_READER_TOKENS", reader), "--name", "h1", "--pidfile", dir.resolve("h1.pid").toString(), "--config", config.toString());
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + port);
    HttpResponse<String> live = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (live == null) {
      try {
        live = http.send(HttpRequest.newBuilder(base.resolve("/health/live")).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException notYet) {
        if (!drone.isAlive() || System.nanoTime() > deadline) {
          fail("no HTTP on port " + port + ": " + output(drone));
        }
        Thread.sleep(50);
      }
    }
    assertEquals(200, live.statusCode(), "alive: " + live.body());
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(503, ready.statusCode(), "not ready: no coordinator listens at " + coordinator);
    assertTrue(ready.body().contains("\"registered\":false") && ready.body().contains("\"drone\":\"h1\""), ready.body());
    assertEquals(401, http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
        "metrics need a reader token");
    HttpResponse<String> metrics =
        http.send(HttpRequest.newBuilder(base.resolve("/metrics")).header("Authorization", "Bearer " + reader).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    Map<String, Double> samples = PrometheusText.parse(metrics.body());
    assertEquals(3.0, PrometheusText.value(samples, "buildswarm_drone_slots"));
    assertEquals(0.0, PrometheusText.value(samples, "buildswarm_drone_registered"));
    assertEquals(0.0, PrometheusText.value(samples, "buildswarm_drone_builds_running"));
    assertEquals(404, http.send(HttpRequest.newBuilder(base.resolve("/healthz")).header("Authorization", "Bearer " + reader).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(
        405,
        http.send(
                HttpRequest.newBuilder(base.resolve("/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
  }

  @Test
  void fiveRapidRelaunchesWithTakeoverLeaveExactlyOneDroneProcess() throws Exception {
    Path pidfile = dir.resolve("drone-t1.pid");
    List<Process> drones = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      drones.add(drone(Map.of(), "--name", "t1", "--pidfile", pidfile.toString(), "--takeover", "--takeover-grace", "2s"));
      Thread.sleep(100);
    }

    List<Process> alive = awaitAtMostOneAlive(drones, Duration.ofSeconds(90));

    assertEquals(1, alive.size(), "exactly one drone left; " + describe(drones));
    Process survivor = alive.getFirst();
    awaitPidfile(pidfile, survivor, Duration.ofSeconds(10));
    Thread.sleep(1500);
    assertTrue(survivor.isAlive(), "the survivor keeps running; " + describe(drones));
    assertEquals(survivor.pid() + "\n", Files.readString(pidfile));
    for (Process drone : drones) {
      if (drone != survivor) {
        // Lost a takeover race (75), or was taken over: SIGTERM (143) or, stuck, SIGKILL (137).
        assertTrue(
            Set.of(PidfileGuard.EXIT_ALREADY_RUNNING, SIGTERM_EXIT, SIGKILL_EXIT).contains(drone.exitValue()),
            describe(drones));
      }
    }
  }

  @Test
  void aSecondDroneWithoutTakeoverExitsNonZeroNamingTheHolderAndLeavesItRunning() throws Exception {
    Path pidfile = dir.resolve("drone-t1.pid");
    Process holder = drone(Map.of(), "--name", "t1", "--pidfile", pidfile.toString());
    awaitPidfile(pidfile, holder, Duration.ofSeconds(30));

    Process second = drone(Map.of(), "--name", "t1", "--pidfile", pidfile.toString());
    assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second drone exits");

    String said = output(second);
    assertEquals(PidfileGuard.EXIT_ALREADY_RUNNING, second.exitValue(), said);
    assertTrue(said.contains("NOT STARTED"), said);
    assertTrue(said.contains(pidfile.toString()), said);
    assertTrue(said.contains("pid " + holder.pid()), said);
    assertTrue(said.contains("--takeover"), said);
    assertTrue(holder.isAlive(), output(holder));
    assertEquals(holder.pid() + "\n", Files.readString(pidfile));

    // A drone stopped the ordinary way empties its pidfile.
    holder.destroy();
    assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
    assertEquals("", Files.readString(pidfile));
  }

  @Test
  void twoDronesWithDifferentNamesRunSideBySideWithTheirDefaultPidfiles() throws Exception {
    Path runtime = Files.createDirectory(dir.resolve("runtime"));
    Map<String, String> environment = Map.of("XDG_RUNTIME_DIR", runtime.toString());
    Process one = drone(environment, "--name", "t1");
    Process two = drone(environment, "--name", "t2");

    awaitPidfile(runtime.resolve("buildswarm-drone-t1.pid"), one, Duration.ofSeconds(30));
    awaitPidfile(runtime.resolve("buildswarm-drone-t2.pid"), two, Duration.ofSeconds(30));
    assertTrue(one.isAlive() && two.isAlive(), output(one) + output(two));
  }

  // ---------------------------------------------------------------------------------------------

  private Process drone(Map<String, String> environment, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                DroneMain.class.getName(),
                "--coordinator",
                coordinator,
                "--workdir",
                dir.toString(),
                "--pkgdir",
                dir.resolve("binpkgs").toString()));
    command.addAll(List.of(args));
    Path log = dir.resolve("drone-" + started.size() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The token from the environment, as a unit's EnvironmentFile would give it.
    builder.environment().put("BUILDSWARM_DRONE_TOKEN", "single-drone-token-0123456789");
    builder.environment().putAll(environment);
    Process process = builder.start();
    started.add(process);
    logs.put(process, log);
    return process;
  }

  private String output(Process process) throws IOException {
    return Files.readString(logs.get(process));
  }

  private String describe(List<Process> drones) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Process drone : drones) {
      out.append("\n--- pid ")
          .append(drone.pid())
          .append(drone.isAlive() ? " alive" : " exit " + drone.exitValue())
          .append('\n')
          .append(output(drone));
    }
    return out.toString();
  }

  private static List<Process> awaitAtMostOneAlive(List<Process> processes, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Process> alive = processes.stream().filter(Process::isAlive).toList();
      if (alive.size() <= 1 || System.nanoTime() > deadline) {
        return alive;
      }
      Thread.sleep(50);
    }
  }

  private void awaitPidfile(Path pidfile, Process owner, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String expected = owner.pid() + "\n";
    while (!Files.exists(pidfile) || !Files.readString(pidfile).equals(expected)) {
      if (!owner.isAlive() || System.nanoTime() > deadline) {
        fail("pid " + owner.pid() + " did not write " + pidfile + ": " + output(owner));
      }
      Thread.sleep(20);
    }
  }
}

package dev.buildswarm.coordinator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end: a real coordinator (Micronaut, gRPC over Netty on loopback), a
 * real drone agent running the example builder as real processes, a real Redis.
 */
@RealRedis
class EndToEndIT {
  private static final Path ROOT = TestSwarm.ROOT;
  private static final String FAKE_EMERGE = TestSwarm.FAKE_EMERGE;

  @TempDir Path work;
  private EmbeddedServer server;
  private final List<DroneAgent> drones = new ArrayList<>();

  private RedisEndpoint redis;
  private String swarmName;

  @BeforeEach
  void startCoordinator(RedisEndpoint redisEndpoint) {
    redis = redisEndpoint;
    swarmName = redis.swarm() + "-" + System.nanoTime();
    server = coordinator(0, "2s");
  }

  private EmbeddedServer coordinator(int grpcPort, String leaseTtl) {
    return TestSwarm.coordinator(redis.url(), swarmName, grpcPort, leaseTtl, Map.of());
  }

  @AfterEach
  void stop() {
    drones.forEach(DroneAgent::close);
    server.close();
  }

  private int grpcPort() {
    return server.getApplicationContext().getBean(GrpcServer.class).port();
  }

  /** Starts a drone building with examples/fake-emerge against {@code target}, and waits until it registered. */
  private DroneAgent startDrone(
      String name, String target, int cores, int slots, List<String> template, Map<String, String> env, Duration timeout)
      throws InterruptedException {
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "localhost", target, TestSwarm.droneToken(), cores, slots, 1.0, BuildTemplate.of(template), work,
                work.resolve("binpkgs-" + name), "-j" + cores, env, timeout, Duration.ofSeconds(2), "test",
                Map.of("profile", "test/profile"), Duration.ZERO, 8L << 20));
    drones.add(drone);
    drone.start();
    assertTrue(drone.awaitRegistered(Duration.ofSeconds(10)), name + " registered");
    return drone;
  }

  private DroneAgent startDrone(String name, int slots, Path argvLog) throws InterruptedException {
    return startDrone(
        name, "localhost:" + grpcPort(), 4, slots,
        List.of(FAKE_EMERGE, "--oneshot", "--buildpkg", "--usepkg=n", "={cpv}"),
        Map.of("FAKE_EMERGE_SECONDS", "0.2", "FAKE_EMERGE_ARGV_LOG", argvLog.toString()),
        Duration.ofMinutes(1));
  }

  private static String swarm(String... args) {
    return TestSwarm.swarm(args);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestSwarm.await(what, condition);
  }

  @Test
  void threeQueuedAtomsAreClaimedBuiltAndDone() throws Exception {
    Path argvLog = work.resolve("argv.log");
    startDrone("drone-a", 2, argvLog);
    String target = "localhost:" + grpcPort();

    String added =
        swarm(
            "--coordinator", target,
            "queue", "add", "=sys-libs/glibc-2.38-r10", "=dev-lang/perl-5.24.1-r2:0/5.24::gentoo", "=app-misc/tmux-1.9a");
    assertTrue(added.startsWith("0\n"), added);
    assertTrue(added.contains("3 queued, 0 already in the swarm"), added);

    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    await("all three are done", () -> service.status().packagesByState().get("done") == 3L);

    // The builder saw exactly the argv the template makes from each queued atom.
    List<List<String>> argvs = new ArrayList<>();
    for (String line : Files.readAllLines(argvLog, StandardCharsets.UTF_8)) {
      argvs.add(List.of(line.split("\u001f")));
    }
    argvs.sort((a, b) -> a.get(a.size() - 1).compareTo(b.get(b.size() - 1)));
    assertEquals(
        List.of(
            List.of("--oneshot", "--buildpkg", "--usepkg=n", "=app-misc/tmux-1.9a"),
            List.of("--oneshot", "--buildpkg", "--usepkg=n", "=dev-lang/perl-5.24.1-r2"),
            List.of("--oneshot", "--buildpkg", "--usepkg=n", "=sys-libs/glibc-2.38-r10")),
        argvs);

    // Each build left its binary package in the drone's PKGDIR.
    Path pkgdir = work.resolve("binpkgs-drone-a");
    assertTrue(Files.isRegularFile(pkgdir.resolve("sys-libs/glibc-2.38-r10.gpkg.tar")));
    assertTrue(Files.isRegularFile(pkgdir.resolve("dev-lang/perl-5.24.1-r2.gpkg.tar")));
    assertTrue(Files.isRegularFile(pkgdir.resolve("app-misc/tmux-1.9a.gpkg.tar")));

    Map<String, String> glibc = service.packageRecord("1");
    assertEquals("done", glibc.get("state"));
    assertEquals("drone-a", glibc.get("drone"));
    assertEquals("=sys-libs/glibc-2.38-r10", glibc.get("atom"), "the queued atom is never changed");

    // A drone's bucket shows its last verdict up to DroneSession.BUCKET_INTERVAL later (architecture.md).
    await("the drone shows idle", () -> service.drones().get(0).state().equals("idle"));
    String status = swarm("--coordinator", target, "status");
    assertTrue(status.contains(
            "Queue: 3 packages · blocked 0 · queued 0 · delayed 0 · claimed 0 · building 0 · done 3 · failed 0 · cancelled 0"), status);
    assertTrue(status.contains("Drones: 0 active, 1 idle, 0 grounded · 0 draining · 0 offline (1 online)"), status);
    assertTrue(status.contains("State: FINISHED"), status);
  }

  @Test
  void aFailingBuildEndsFailedWithItsReasonAndWorkGoesToEveryDrone() throws Exception {
    Path table = work.resolve("table");
    Files.writeString(table, "app-misc/broken 0.1 fail\n");
    Path argvLog = work.resolve("argv.log");
    String target = "localhost:" + grpcPort();
    DroneAgent a = startDroneWithTable("drone-a", argvLog, table);
    DroneAgent b = startDroneWithTable("drone-b", argvLog, table);

    List<String> atoms = new ArrayList<>(List.of("=app-misc/broken-1"));
    for (int i = 0; i < 6; i++) {
      atoms.add("=app-misc/ok" + i + "-1.0");
    }
    List<String> args = new ArrayList<>(List.of("--coordinator", target, "queue", "add"));
    args.addAll(atoms);
    assertTrue(swarm(args.toArray(String[]::new)).startsWith("0\n"));

    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    await("all seven finished", () -> {
      Map<String, Long> counts = service.status().packagesByState();
      return counts.get("done") + counts.get("failed") == 7L;
    });
    assertEquals(6L, service.status().packagesByState().get("done"));
    Map<String, String> broken = service.packageRecord("1");
    assertEquals("failed", broken.get("state"));
    assertEquals("build exited with code 1", broken.get("reason"));
    // A drone's counters reach its bucket up to DroneSession.BUCKET_INTERVAL after the verdict's
    // script, so they may trail the package states.
    Map<String, Long> finishedByDrone = new java.util.TreeMap<>();
    await("the drones' counters add up to seven", () -> {
      service.drones().forEach(d -> finishedByDrone.put(d.name(), d.built() + d.failed()));
      return finishedByDrone.values().stream().mapToLong(Long::longValue).sum() == 7L;
    });
    assertTrue(finishedByDrone.get("drone-a") > 0 && finishedByDrone.get("drone-b") > 0, "both drones built: " + finishedByDrone);
    assertEquals(0, a.runningBuilds() + b.runningBuilds());
  }

  private DroneAgent startDroneWithTable(String name, Path argvLog, Path table) throws InterruptedException {
    return startDroneWithTable(name, argvLog, table, "0.3");
  }

  private DroneAgent startDroneWithTable(String name, Path argvLog, Path table, String defaultSeconds)
      throws InterruptedException {
    return startDrone(
        name, "localhost:" + grpcPort(), 2, 1, List.of(FAKE_EMERGE, "{atom}"),
        Map.of(
            "FAKE_EMERGE_SECONDS", defaultSeconds,
            "FAKE_EMERGE_TABLE", table.toString(),
            "FAKE_EMERGE_ARGV_LOG", argvLog.toString()),
        Duration.ofMinutes(1));
  }

  @Test
  void aDroneThatStopsMidBuildGivesThePackageBackAndAnotherBuildsIt() throws Exception {
    Path table = work.resolve("table");
    Files.writeString(table, "app-misc/long 600\n");
    Path quickTable = work.resolve("quick-table");
    Files.writeString(quickTable, "app-misc/long 0.2\n");
    Path argvLog = work.resolve("argv.log");
    DroneAgent stopping = startDroneWithTable("drone-a", argvLog, table, "600");
    String target = "localhost:" + grpcPort();
    assertTrue(swarm("--coordinator", target, "queue", "add", "=app-misc/long-2.0").startsWith("0\n"));
    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    await("the build runs", () -> "building".equals(service.packageRecord("1").get("state")));

    stopping.close(); // what SIGTERM does to a drone
    await("the package is queued again", () -> "queued".equals(service.packageRecord("1").get("state")));
    Map<String, String> given = service.packageRecord("1");
    assertEquals("0", given.get("losses"), "given back by the drone, not reaped as lost: " + given);
    assertEquals(null, given.get("reason"), "not failed");

    startDroneWithTable("drone-b", argvLog, quickTable, "0.2");
    await("another drone built it", () -> "done".equals(service.packageRecord("1").get("state")));
    assertEquals("drone-b", service.packageRecord("1").get("drone"));
  }

  @Test
  void aBuildRunningAcrossACoordinatorRestartIsKeptNotRebuilt() throws Exception {
    // A coordinator with leases long enough to outlive its own restart.
    int port = grpcPort();
    server.close();
    server = coordinator(port, "20s");
    Path table = work.resolve("table");
    Files.writeString(table, "app-misc/first 3\napp-misc/second 0.2\n");
    Path argvLog = work.resolve("argv.log");
    startDroneWithTable("drone-a", argvLog, table, "0.2"); // one slot
    String target = "localhost:" + port;
    assertTrue(swarm("--coordinator", target, "queue", "add", "=app-misc/first-1", "=app-misc/second-1").startsWith("0\n"));
    SwarmService before = server.getApplicationContext().getBean(SwarmService.class);
    await("the first build runs", () -> "building".equals(before.packageRecord("1").get("state")));

    server.close();
    server = coordinator(port, "20s");
    SwarmService after = server.getApplicationContext().getBean(SwarmService.class);
    await("both are done", () -> after.status().packagesByState().get("done") == 2L);

    assertEquals("1", after.packageRecord("1").get("attempt"), "the running build was kept, not rebuilt");
    assertEquals("1", after.packageRecord("2").get("attempt"));
    List<String> runs = Files.readAllLines(argvLog);
    assertEquals(2, runs.size(), "each package built once: " + runs);
    long secondClaimed = Long.parseLong(after.packageRecord("2").get("started_ms"));
    long firstFinished = Long.parseLong(after.packageRecord("1").get("finished_ms"));
    assertTrue(secondClaimed >= firstFinished, "the one-slot drone was not given a second build while the first ran");
  }

  @Test
  void aVerdictReachedWhileTheCoordinatorIsDownIsDeliveredAfterItReturns() throws Exception {
    int port = grpcPort();
    server.close();
    server = coordinator(port, "20s");
    Path table = work.resolve("table");
    Files.writeString(table, "app-misc/only 4\n");
    Path argvLog = work.resolve("argv.log");
    DroneAgent drone = startDroneWithTable("drone-a", argvLog, table, "0.2");
    assertTrue(swarm("--coordinator", "localhost:" + port, "queue", "add", "=app-misc/only-1").startsWith("0\n"));
    SwarmService before = server.getApplicationContext().getBean(SwarmService.class);
    await("the build runs", () -> "building".equals(before.packageRecord("1").get("state")));

    server.close();
    await("the build ended while no coordinator listened", () -> drone.runningBuilds() == 0);
    assertEquals(1, drone.unacknowledgedVerdicts(), "the drone keeps its verdict");

    server = coordinator(port, "20s");
    SwarmService after = server.getApplicationContext().getBean(SwarmService.class);
    await("the verdict is stored", () -> "done".equals(after.packageRecord("1").get("state")));
    await("and acknowledged", () -> drone.unacknowledgedVerdicts() == 0);
    assertEquals("1", after.packageRecord("1").get("attempt"), "not rebuilt");
    assertEquals(1, Files.readAllLines(argvLog).size());
    assertTrue(after.packageRecord("1").get("artifacts").startsWith("app-misc/only-1.gpkg.tar "),
        "its binary package went up once the coordinator was back: " + after.packageRecord("1"));
  }

  @Test
  void anInvalidAtomQueuesNothingAndTheCoordinatorGoesOnServing() throws Exception {
    String target = "localhost:" + grpcPort();
    String refused = swarm("--coordinator", target, "queue", "add", "=app-misc/good-1", "dev-lang/python[sqlite]");
    assertTrue(refused.startsWith("2\n"), refused);
    assertTrue(refused.contains("invalid atom 'dev-lang/python[sqlite]'"), refused);
    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    assertEquals(0L, service.status().packagesByState().get("queued"), "all or nothing");

    assertTrue(swarm("--coordinator", target, "queue", "add", "=app-misc/good-1").startsWith("0\n"));
    assertEquals(1L, service.status().packagesByState().get("queued"));
  }

  @Test
  void historyLearnedFromARealEmergeLogOrdersTheQueue() throws Exception {
    Path log = ROOT.resolve("../shared/data/emerge_log_hoeding_gentoo_apu.log").normalize();
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("CI") != null || Files.exists(log), "no shared data");
    String target = "localhost:" + grpcPort();
    String imported = swarm("--coordinator", target, "history", "import", log.toString());
    assertTrue(imported.startsWith("0\n") && imported.contains("learned 166 builds"), imported);
    String gcc = swarm("--coordinator", target, "history", "show", "sys-devel/gcc");
    assertTrue(gcc.contains("sys-devel/gcc") && gcc.contains("4"), gcc);
    assertTrue(swarm("--coordinator", target, "history", "import", "/no/such/emerge.log").startsWith("2\n"));

    // With no drone connected, the queue's order is the history's: gcc (about 27 min) first.
    assertTrue(swarm("--coordinator", target, "queue", "add", "=sys-apps/which-2.21", "=sys-devel/gcc-11.2.1_p20220115").startsWith("0\n"));
    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    assertEquals("=sys-devel/gcc-11.2.1_p20220115", ((dev.buildswarm.coordinator.domain.Claim.Claimed) service.claim("probe")).atom());
  }

  @Test
  void queueAddAfterBlocksUntilTheDependencyIsBuilt() throws Exception {
    String target = "localhost:" + grpcPort();
    String added = swarm("--coordinator", target, "queue", "add", "=dev-libs/lib-1", "=app-misc/app-1", "--after", "=dev-libs/lib-0");
    assertTrue(added.startsWith("2\n") && added.contains("=dev-libs/lib-0"), "an unknown dependency queues nothing: " + added);
    assertTrue(swarm("--coordinator", target, "queue", "add", "=dev-libs/lib-1").startsWith("0\n"));
    String blocked = swarm("--coordinator", target, "queue", "add", "=app-misc/app-1", "--after", "=dev-libs/lib-1");
    assertTrue(blocked.contains("blocked   2"), blocked);
    Path argvLog = work.resolve("argv.log");
    startDrone("drone-a", 2, argvLog);
    SwarmService service = server.getApplicationContext().getBean(SwarmService.class);
    await("both done", () -> service.status().packagesByState().get("done") == 2L);
    List<String> order = Files.readAllLines(argvLog).stream().map(l -> l.substring(l.lastIndexOf('\u001f') + 1)).toList();
    assertEquals(List.of("=dev-libs/lib-1", "=app-misc/app-1"), order, "the dependent built after its dependency");
  }

  @Test
  void twoCoordinatorsOnOneRedisServeDronesSideBySide() throws Exception {
    EmbeddedServer second = coordinator(0, "2s");
    try {
      int secondPort = second.getApplicationContext().getBean(GrpcServer.class).port();
      Path argvLog = work.resolve("argv.log");
      startDrone("drone-a", 1, argvLog); // on the first coordinator
      startDrone(
          "drone-b", "localhost:" + secondPort, 4, 1, List.of(FAKE_EMERGE, "{atom}"),
          Map.of("FAKE_EMERGE_SECONDS", "0.2", "FAKE_EMERGE_ARGV_LOG", argvLog.toString()),
          Duration.ofMinutes(1));

      // Queued through the first coordinator only: the second wakes its drone through Redis.
      List<String> args = new ArrayList<>(List.of("--coordinator", "localhost:" + grpcPort(), "queue", "add"));
      for (int i = 0; i < 10; i++) {
        args.add("=app-misc/p" + i + "-1");
      }
      assertTrue(swarm(args.toArray(String[]::new)).startsWith("0\n"));
      SwarmService service = second.getApplicationContext().getBean(SwarmService.class);
      await("all ten done", () -> service.status().packagesByState().get("done") == 10L);

      List<String> built = Files.readAllLines(argvLog);
      assertEquals(10, built.size(), "each package built exactly once: " + built);
      assertEquals(10, built.stream().distinct().count());
      Map<String, Long> byDrone = new java.util.TreeMap<>();
      await("the drones' counters add up to ten", () -> {
        service.drones().forEach(d -> byDrone.put(d.name(), d.built()));
        return byDrone.values().stream().mapToLong(Long::longValue).sum() == 10L;
      });
      assertTrue(byDrone.get("drone-a") > 0 && byDrone.get("drone-b") > 0, "both coordinators' drones built: " + byDrone);
    } finally {
      second.close();
    }
  }

  @Test
  void theAdminApiCancelsRetriesPausesAndReadsEvents() {
    io.grpc.ManagedChannel channel =
        TestSwarm.channel("localhost:" + grpcPort(), TestSwarm.OPERATOR_TOKEN);
    try {
      var admin = dev.buildswarm.proto.v1.AdminServiceGrpc.newBlockingStub(channel);
      assertTrue(admin.pause(dev.buildswarm.proto.v1.PauseRequest.getDefaultInstance()).getChanged());
      assertEquals("PAUSED", admin.status(dev.buildswarm.proto.v1.StatusRequest.getDefaultInstance()).getSwarmState());
      admin.enqueue(dev.buildswarm.proto.v1.EnqueueRequest.newBuilder().addAtoms("=app-misc/a-1").addAtoms("=app-misc/b-1").build());

      var byAtom = dev.buildswarm.proto.v1.PackageRequest.newBuilder().setPackage("=app-misc/a-1").setReason("not today").build();
      assertEquals("cancelled (was queued)", admin.cancel(byAtom).getOutcome());
      io.grpc.StatusRuntimeException again = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> admin.cancel(byAtom));
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, again.getStatus().getCode(), "no package holds the atom now");
      var byId = dev.buildswarm.proto.v1.PackageRequest.newBuilder().setPackage("1").build();
      assertEquals("queued", admin.retry(byId).getOutcome());
      io.grpc.StatusRuntimeException running =
          org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> admin.remove(byId));
      assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, running.getStatus().getCode());
      assertTrue(running.getStatus().getDescription().contains("cancel it first"), running.getStatus().getDescription());

      var events = admin.events(dev.buildswarm.proto.v1.EventsRequest.newBuilder().setLimit(100).build());
      List<String> types = events.getEventsList().stream().map(e -> e.getFieldsMap().get("type")).toList();
      assertEquals(List.of("paused", "queued", "queued", "cancelled", "retried"), types);
      var after = admin.events(dev.buildswarm.proto.v1.EventsRequest.newBuilder().setSince(events.getCursor()).build());
      assertEquals(0, after.getEventsCount(), "nothing after the cursor yet");
      assertTrue(admin.resume(dev.buildswarm.proto.v1.PauseRequest.getDefaultInstance()).getChanged());
      assertEquals(
          1,
          admin.events(dev.buildswarm.proto.v1.EventsRequest.newBuilder().setSince(events.getCursor()).build()).getEventsCount());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void cancellingThroughOneCoordinatorStopsTheBuildOnAnotherAtOnce() throws Exception {
    // Heartbeats every 30 s here: the build must stop long before a heartbeat could stop it.
    EmbeddedServer first =
        TestSwarm.coordinator(redis.url(), swarmName + "-c", 0, "90s", Map.of("buildswarm.heartbeat-interval", "30s"));
    EmbeddedServer second =
        TestSwarm.coordinator(redis.url(), swarmName + "-c", 0, "90s", Map.of("buildswarm.heartbeat-interval", "30s"));
    try {
      int secondPort = second.getApplicationContext().getBean(GrpcServer.class).port();
      DroneAgent drone =
          startDrone(
              "drone-far", "localhost:" + secondPort, 2, 1, List.of(FAKE_EMERGE, "{atom}"),
              Map.of("FAKE_EMERGE_SECONDS", "120"), Duration.ofMinutes(5));
      SwarmService near = first.getApplicationContext().getBean(SwarmService.class);
      near.enqueue(List.of("=app-misc/long-1"), 0);
      await("the build runs", () -> drone.runningBuilds() == 1 && "building".equals(near.packageRecord("1").get("state")));

      long cancelledAt = System.nanoTime();
      assertInstanceOf(dev.buildswarm.coordinator.domain.Report.Cancelled.class, near.cancel("=app-misc/long-1", "test"));
      await("the far drone stopped the build", () -> drone.runningBuilds() == 0);
      long tookMs = (System.nanoTime() - cancelledAt) / 1_000_000;
      assertTrue(tookMs < 4_000, "stopped in " + tookMs + " ms, before any heartbeat could have");
      assertEquals("cancelled", near.packageRecord("1").get("state"));
    } finally {
      second.close();
      first.close();
    }
  }

  @Test
  void healthAnswersOverHttp() throws IOException, InterruptedException {
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(server.getURL() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
  }

  @Test
  void theCliSaysSoWhenTheCoordinatorIsUnreachable() {
    String out = swarm("--coordinator", "127.0.0.1:1", "status");
    assertTrue(out.startsWith("3\n"), out);
    assertTrue(out.contains("cannot reach the coordinator at 127.0.0.1:1"), out);
  }
}

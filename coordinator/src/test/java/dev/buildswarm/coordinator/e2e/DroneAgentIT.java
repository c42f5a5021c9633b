package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drone agent against a real coordinator and Redis, building with a small shell script as real
 * processes: buckets, auto-balance, grounding, draining, a drone killed mid-build.
 */
@RealRedis
class DroneAgentIT {
  /**
   * The builder: records "drone atom pid" in $RUNS when it starts; fails like a full disk while the
   * file $BROKEN exists; otherwise sleeps $WORK seconds divided by the -j of MAKEOPTS, so a drone
   * with four times the cores builds four times as fast.
   */
  private static final String BUILDER =
      """
      #!/usr/bin/env bash
      echo "$DRONE_NAME $1 $$" >> "$RUNS"
      if [[ -e "$BROKEN" ]]; then
        echo ">>> Emerging $1"
        echo "cp: error writing 'image/usr/lib/libfoo.so': No space left on device" >&2
        exit 1
      fi
      jobs="${MAKEOPTS#-j}"
      sleep "$(awk -v w="$WORK" -v j="$jobs" 'BEGIN { printf "%.3f", w / j }')"
      echo "built $1"
      """;

  @TempDir Path work;
  private EmbeddedServer server;
  private SwarmService service;
  private String target;
  private Path builder;
  private Path runs;
  private Path broken;
  private final List<DroneAgent> drones = new CopyOnWriteArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void start(RedisEndpoint redis) throws Exception {
    server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "2s",
            Map.of("buildswarm.retry.base", "200ms", "buildswarm.retry.max-attempts", "5"));
    service = TestSwarm.service(server);
    target = "localhost:" + TestSwarm.grpcPort(server);
    builder = work.resolve("builder.sh");
    Files.writeString(builder, BUILDER);
    Files.setPosixFilePermissions(builder, PosixFilePermissions.fromString("rwxr-xr-x"));
    runs = work.resolve("runs");
    Files.createFile(runs);
    broken = work.resolve("broken");
  }

  @AfterEach
  void stop() throws Exception {
    drones.forEach(DroneAgent::close);
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    // Builds orphaned by a killed drone: their pids are in the runs file.
    for (String line : runLines()) {
      ProcessHandle.of(Long.parseLong(line.split(" ")[2])).ifPresent(ProcessHandle::destroyForcibly);
    }
    server.close();
  }

  private Map<String, String> env(String name, String workSeconds) {
    return Map.of("DRONE_NAME", name, "RUNS", runs.toString(), "BROKEN", broken.toString(), "WORK", workSeconds);
  }

  private DroneAgent drone(String name, int cores, String workSeconds, Map<String, String> capabilities) {
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "host-" + name, target, TestSwarm.droneToken(), cores, 1, 1.0, BuildTemplate.of(List.of(builder.toString(), "{atom}")),
                work, work.resolve("pkgs-" + name), "-j" + cores, env(name, workSeconds), Duration.ofMinutes(1),
                Duration.ofSeconds(1), "v-" + name, capabilities, Duration.ZERO, 8L << 20));
    drones.add(drone);
    drone.start();
    return drone;
  }

  private DroneAgent registered(String name, int cores, String workSeconds) throws InterruptedException {
    DroneAgent drone = drone(name, cores, workSeconds, Map.of());
    assertTrue(drone.awaitRegistered(Duration.ofSeconds(10)), name + " registered");
    return drone;
  }

  private void queue(String... atoms) {
    List<String> args = new ArrayList<>(List.of("--coordinator", target, "queue", "add"));
    args.addAll(List.of(atoms));
    String out = swarm(args.toArray(String[]::new));
    assertTrue(out.startsWith("0\n"), out);
  }

  private static String[] atoms(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> "=app-misc/" + prefix + i + "-1.0").toArray(String[]::new);
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A zombie is dead, only not yet reaped (this container's pid 1 may never reap it). */
  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return true;
    }
  }

  /** "drone atom pid" for every build started. */
  private List<String> runLines() {
    try {
      return Files.readAllLines(runs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Map<String, Long> builtPerDrone() {
    return service.drones().stream().collect(Collectors.toMap(DroneBucket::name, DroneBucket::built, Long::sum, TreeMap::new));
  }

  private DroneBucket bucket(String name) {
    return service.drones().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void fourDronesRegisteringInTheSameInstantEachGetTheirOwnCorrectBucket() throws Exception {
    CyclicBarrier together = new CyclicBarrier(4);
    List<Thread> starters = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      int n = i;
      starters.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      together.await();
                      drone("d" + n, n * 2, "0.1", Map.of("profile", "p" + n));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    for (Thread t : starters) {
      t.join();
    }
    await("four drones online with a heartbeat", () -> service.drones().stream()
        .filter(d -> !d.state().equals(DroneBucket.OFFLINE) && d.freeDiskBytes() > 0).count() == 4);
    for (int n = 1; n <= 4; n++) {
      DroneBucket d = bucket("d" + n);
      assertEquals("host-d" + n, d.host());
      assertEquals(n * 2, d.cores());
      assertEquals(1, d.slots());
      assertEquals("v-d" + n, d.version());
      assertEquals("p" + n, d.capabilities().get("profile"));
      assertTrue(d.capabilities().containsKey("arch"), d.capabilities().toString());
      assertEquals(DroneBucket.IDLE, d.state());
      assertTrue(d.memoryAvailableBytes() > 0, "memory reported");
    }
  }

  @Test
  void aDroneWithFourTimesTheCoresBuildsAboutFourTimesAsMany() throws Exception {
    registered("big", 16, "3.2"); // 0.2 s per package
    registered("small", 4, "3.2"); // 0.8 s per package
    queue(atoms("equal", 60));
    await("all built", 90, () -> service.status().packagesByState().get("done") == 60L);
    Map<String, Long> built = builtPerDrone();
    double ratio = (double) built.get("big") / built.get("small");
    assertTrue(ratio >= 3.0 && ratio <= 5.5, "the 16-core drone built " + ratio + " times as many: " + built);
  }

  @Test
  void dronesFailingAsTheHostGetGroundedAndAnOperatorUngroundsThem() throws Exception {
    Files.createFile(broken);
    DroneAgent drone = registered("flaky", 2, "0.1");
    queue(atoms("victim", 3));
    await("the drone is grounded", () -> bucket("flaky").grounded());
    assertTrue(bucket("flaky").groundedReason().startsWith("3 drone failures in a row"), bucket("flaky").groundedReason());
    await("the drone was told", () -> drone.orders().getGrounded());
    List<SwarmEvent> events = service.events("", 1000);
    assertTrue(events.stream().anyMatch(e -> "grounded".equals(e.fields().get("type")) && "flaky".equals(e.fields().get("drone"))), "a grounded event");
    int failedRuns = runLines().size();
    assertEquals(3, failedRuns, "three failures, then nothing more");

    // The host is fixed, but a grounded drone claims nothing, however long the work waits.
    Files.delete(broken);
    Thread.sleep(1500);
    assertEquals(failedRuns, runLines().size(), "grounded: no build started");
    assertEquals(0L, service.status().packagesByState().get("done"));

    String out = swarm("--coordinator", target, "drone", "unground", "flaky");
    assertTrue(out.startsWith("0\n") && out.contains("not grounded"), out);
    await("the three packages are built after all", () -> service.status().packagesByState().get("done") == 3L);
    await("the drone was told", () -> !drone.orders().getGrounded());
    assertFalse(bucket("flaky").grounded());

    String unknown = swarm("--coordinator", target, "drone", "ground", "nosuch");
    assertFalse(unknown.startsWith("0\n"), unknown);
    assertTrue(unknown.contains("no drone named nosuch"), unknown);
  }

  @Test
  void aBuildWhoseProcessCouldNotBeStartedIsNeverReportedAsBuilding() throws Exception {
    // The drone reports a build started once its process exists: here it never does (the working
    // directory is missing), so the package goes from claimed to its verdict without "building".
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                "nodir", "h", target, TestSwarm.droneToken(), 2, 1, 1.0, BuildTemplate.of(List.of(builder.toString(), "{atom}")),
                work.resolve("no-such-workdir"), work.resolve("pkgs"), "-j2", env("nodir", "0.1"), Duration.ofMinutes(1),
                Duration.ofSeconds(1), "v", Map.of(), Duration.ZERO, 8L << 20));
    drones.add(drone);
    drone.start();
    queue("=app-misc/unstartable-1.0");
    await("the drone is grounded by its failures to start", () -> bucket("nodir").grounded());
    List<SwarmEvent> events = service.events("", 1000);
    List<String> types = events.stream().filter(e -> "1".equals(e.fields().get("id"))).map(e -> e.fields().get("type")).toList();
    assertTrue(types.size() >= 2, "claims and verdicts recorded: " + types);
    assertFalse(types.contains("building"), "never reported as building: " + types);
    assertTrue(runLines().isEmpty(), "no build ran");
  }

  @Test
  void aPermanentlyFailingPackageDoesNotGroundTheDrone() throws Exception {
    Path failing = work.resolve("failing.sh");
    Files.writeString(failing, "#!/usr/bin/env bash\necho \"$DRONE_NAME $1 $$\" >> \"$RUNS\"\necho 'error: undefined reference to foo'\nexit 1\n");
    Files.setPosixFilePermissions(failing, PosixFilePermissions.fromString("rwxr-xr-x"));
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                "steady", "h", target, TestSwarm.droneToken(), 2, 1, 1.0, BuildTemplate.of(List.of(failing.toString(), "{atom}")), work,
                work.resolve("pkgs"), "-j2", env("steady", "0.1"), Duration.ofMinutes(1), Duration.ofSeconds(1), "v",
                Map.of(), Duration.ZERO, 8L << 20));
    drones.add(drone);
    drone.start();
    queue(atoms("broken", 8));
    await("all eight failed", () -> service.status().packagesByState().get("failed") == 8L);
    assertFalse(bucket("steady").grounded(), "compile errors are the packages' fault: " + bucket("steady").groundedReason());
  }

  @Test
  void aDrainingDroneFinishesItsBuildAndTakesNothingNew() throws Exception {
    registered("worker", 1, "1.5"); // 1.5 s per package
    queue(atoms("pkg", 3));
    await("the first build runs", () -> "building".equals(service.packageRecord("1").get("state")));
    String out = swarm("--coordinator", target, "drone", "drain", "worker", "--reason", "kernel upgrade");
    assertTrue(out.startsWith("0\n") && out.contains("draining"), out);
    await("the running build finished", () -> "done".equals(service.packageRecord("1").get("state")));
    Thread.sleep(1000);
    assertEquals(1, runLines().size(), "nothing new started while draining");
    assertEquals("queued", service.packageRecord("2").get("state"));
    assertTrue(bucket("worker").draining());

    assertTrue(swarm("--coordinator", target, "drone", "undrain", "worker").startsWith("0\n"));
    await("the rest is built", () -> service.status().packagesByState().get("done") == 3L);
  }

  @Test
  void aDroneKilledMidBuildLosesThePackageToAnotherWhichBuildsItOnce() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java, "-cp", System.getProperty("java.class.path"), "dev.buildswarm.drone.DroneMain",
                "--coordinator", target, "--name", "doomed", "--cores", "1", "--slots", "1",
                "--build-command", "[\"" + builder + "\",\"{atom}\"]", "--workdir", work.toString(),
                "--pkgdir", work.resolve("pkgs-doomed").toString(), "--kill-grace", "1s",
                "--pidfile", work.resolve("doomed.pid").toString()));
    env("doomed", "60").forEach((k, v) -> command.addAll(List.of("--env", k + "=" + v)));
    ProcessBuilder launch = new ProcessBuilder(command).redirectErrorStream(true);
    launch.environment().put("BUILDSWARM_DRONE_TOKEN", TestSwarm.DRONE_TOKEN);
    Process doomed = launch.redirectOutput(work.resolve("doomed.log").toFile()).start();
    processes.add(doomed);
    await("the drone process registered", () -> service.drones().stream().anyMatch(d -> d.name().equals("doomed")));
    queue("=app-misc/precious-1.0");
    await("the doomed drone's builder runs", () -> runLines().stream().anyMatch(l -> l.startsWith("doomed ")));
    // The drone records the build's process group just after starting it; killed before that, a
    // drone cannot know of it (a window of a few milliseconds no design closes).
    String builderPid = runLines().get(0).split(" ")[2];
    await("the drone recorded the build", () -> readOrEmpty(work.resolve("doomed.pid.builds")).startsWith(builderPid + " "));
    // A build counts as lost only once the coordinator knows it started: the drone reports that
    // just after the spawn, so a kill before the report lands is a lost claim, not a lost build.
    await("the coordinator knows it builds", () -> "building".equals(service.packageRecord("1").get("state")));

    doomed.destroyForcibly(); // SIGKILL: no goodbye, no verdict
    assertTrue(doomed.waitFor(10, TimeUnit.SECONDS));
    registered("survivor", 4, "0.4");
    await("another drone built it", () -> "done".equals(service.packageRecord("1").get("state")));

    Map<String, String> record = service.packageRecord("1");
    assertEquals("survivor", record.get("drone"));
    assertEquals("1", record.get("losses"), "the lost lease was counted: " + record);
    assertEquals("2", record.get("attempt"));
    List<String> runsByDrone = runLines().stream().map(l -> l.split(" ")[0]).toList();
    assertEquals(List.of("doomed", "survivor"), runsByDrone, "built once by the survivor");

    // The killed drone's build runs on in its own process group, orphaned, until a drone of the
    // same name starts on the host again and ends what its predecessor left behind.
    long orphan = Long.parseLong(runLines().get(0).split(" ")[2]);
    assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "the orphaned build still runs");
    Process again = launch.redirectOutput(work.resolve("doomed-again.log").toFile()).start();
    processes.add(again);
    await("the restarted drone ended its predecessor's build", 20,
        () -> ProcessHandle.of(orphan).map(p -> !p.isAlive() || isZombie(p.pid())).orElse(true));
  }

  @Test
  void aDroneOutOfTouchForLongerThanTheLeaseStopsItsBuild() throws Exception {
    DroneAgent drone = registered("lonely", 1, "120"); // a two-minute build
    queue("=app-misc/orphaned-1.0");
    await("it builds", () -> runLines().size() == 1);
    long builder = Long.parseLong(runLines().get(0).split(" ")[2]);
    server.close(); // no coordinator any more: the 2 s lease expires, the package may build elsewhere

    await("the drone stopped the build", 20, () -> drone.runningBuilds() == 0);
    await("its process is gone", 10, () -> ProcessHandle.of(builder).map(p -> !p.isAlive()).orElse(true));
    assertEquals(1, drone.unacknowledgedVerdicts(), "its verdict waits for a coordinator");
  }

  /** A drone session spoken by hand: what the coordinator sends lands in {@code received}. */
  private static StreamObserver<DroneMessage> sessionByHand(
      ManagedChannel channel, java.util.concurrent.BlockingQueue<CoordinatorMessage> received) {
    return DroneServiceGrpc.newStub(channel).session(new StreamObserver<>() {
      @Override
      public void onNext(CoordinatorMessage message) {
        received.add(message);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
  }

  /** What a drone of one slot, speaking the protocol by hand, is sent while it builds two packages. */
  private List<CoordinatorMessage> buildTwoByHand(String name, boolean readsAcknowledges) throws Exception {
    ManagedChannel channel = TestSwarm.channel(target, TestSwarm.DRONE_TOKEN);
    try {
      java.util.concurrent.BlockingQueue<CoordinatorMessage> received = new java.util.concurrent.LinkedBlockingQueue<>();
      StreamObserver<DroneMessage> toCoordinator = sessionByHand(channel, received);
      toCoordinator.onNext(
          DroneMessage.newBuilder()
              .setRegister(
                  Register.newBuilder()
                      .setName(name).setCores(1).setSlots(1).setProtocolVersion(1).setReadsAcknowledges(readsAcknowledges))
              .build());
      queue("=app-misc/" + name + "-a-1", "=app-misc/" + name + "-b-1");
      List<CoordinatorMessage> told = new ArrayList<>();
      int finished = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      // Until both builds are acknowledged, whichever way; then a moment for anything sent twice.
      while (told.stream().filter(m -> m.hasAcknowledges() || m.hasFinishedAck()).count() < 2 && System.nanoTime() < deadline) {
        CoordinatorMessage m = received.poll(100, TimeUnit.MILLISECONDS);
        if (m == null) {
          continue;
        }
        if (m.hasAssignment() || m.hasFinishedAck() || m.hasAcknowledges()) {
          told.add(m);
        }
        if (m.hasAssignment()) {
          dev.buildswarm.proto.v1.Assignment a = m.getAssignment();
          toCoordinator.onNext(
              DroneMessage.newBuilder()
                  .setBuildStarted(dev.buildswarm.proto.v1.BuildStarted.newBuilder().setPackageId(a.getPackageId()).setToken(a.getToken()))
                  .build());
          toCoordinator.onNext(
              DroneMessage.newBuilder()
                  .setBuildFinished(
                      dev.buildswarm.proto.v1.BuildFinished.newBuilder()
                          .setPackageId(a.getPackageId()).setToken(a.getToken()).setSuccess(true).setDurationMs(5))
                  .build());
          finished++;
        }
      }
      Thread.sleep(300);
      received.stream().filter(m -> m.hasAssignment() || m.hasFinishedAck() || m.hasAcknowledges()).forEach(told::add);
      assertEquals(2, finished, "both built: " + told);
      toCoordinator.onCompleted();
      return told;
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aVerdictIsAcknowledgedOnTheAssignmentItsStepClaimedWhenTheDroneReadsThat() throws Exception {
    List<CoordinatorMessage> told = buildTwoByHand("folds", true);
    assertEquals(3, told.size(), "assignment, assignment carrying the first ack, the second ack alone: " + told);
    CoordinatorMessage first = told.get(0);
    CoordinatorMessage second = told.get(1);
    assertTrue(first.hasAssignment() && !first.hasAcknowledges(), told.toString());
    assertTrue(second.hasAssignment() && second.hasAcknowledges(), told.toString());
    assertEquals(first.getAssignment().getPackageId(), second.getAcknowledges().getPackageId());
    assertEquals(first.getAssignment().getToken(), second.getAcknowledges().getToken());
    assertTrue(told.get(2).hasFinishedAck(), "nothing left to claim: acknowledged alone: " + told);
    assertEquals(second.getAssignment().getPackageId(), told.get(2).getFinishedAck().getPackageId());
  }

  /**
   * A drone of eight slots whose builds all end at once: its verdicts are stored concurrently
   * (several on the same stream at a time), and each is still acknowledged exactly once, on the
   * assignment its own step claimed or alone, and every package is done once.
   */
  @Test
  void verdictsOfSlotsEndingTogetherAreEachAcknowledgedOnce() throws Exception {
    int slots = 8;
    int packages = 40;
    ManagedChannel channel = TestSwarm.channel(target, TestSwarm.DRONE_TOKEN);
    try {
      java.util.concurrent.BlockingQueue<CoordinatorMessage> received = new java.util.concurrent.LinkedBlockingQueue<>();
      StreamObserver<DroneMessage> toCoordinator = sessionByHand(channel, received);
      toCoordinator.onNext(DroneMessage.newBuilder()
          .setRegister(Register.newBuilder().setName("wide").setCores(slots).setSlots(slots).setProtocolVersion(1).setReadsAcknowledges(true))
          .build());
      String[] atoms = new String[packages];
      for (int i = 0; i < packages; i++) {
        atoms[i] = "=app-misc/wide" + i + "-1";
      }
      queue(atoms);
      List<String> finished = new ArrayList<>();
      List<String> acknowledged = new ArrayList<>();
      List<dev.buildswarm.proto.v1.Assignment> running = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acknowledged.size() < packages && System.nanoTime() < deadline) {
        CoordinatorMessage m = received.poll(100, TimeUnit.MILLISECONDS);
        if (m != null && (m.hasAcknowledges() || m.hasFinishedAck())) {
          dev.buildswarm.proto.v1.FinishedAck ack = m.hasAcknowledges() ? m.getAcknowledges() : m.getFinishedAck();
          acknowledged.add(ack.getPackageId() + "@" + ack.getToken());
        }
        if (m != null && m.hasAssignment()) {
          running.add(m.getAssignment());
        }
        // Every slot filled (or nothing more coming): all its builds end at once, back to back.
        if (running.size() == slots || (m == null && !running.isEmpty())) {
          for (dev.buildswarm.proto.v1.Assignment a : running) {
            toCoordinator.onNext(DroneMessage.newBuilder()
                .setBuildStarted(dev.buildswarm.proto.v1.BuildStarted.newBuilder().setPackageId(a.getPackageId()).setToken(a.getToken()))
                .build());
            toCoordinator.onNext(DroneMessage.newBuilder()
                .setBuildFinished(dev.buildswarm.proto.v1.BuildFinished.newBuilder()
                    .setPackageId(a.getPackageId()).setToken(a.getToken()).setSuccess(true).setDurationMs(5))
                .build());
            finished.add(a.getPackageId() + "@" + a.getToken());
          }
          running.clear();
        }
      }
      Thread.sleep(300);
      for (CoordinatorMessage m : received) {
        if (m.hasAcknowledges() || m.hasFinishedAck()) {
          dev.buildswarm.proto.v1.FinishedAck ack = m.hasAcknowledges() ? m.getAcknowledges() : m.getFinishedAck();
          acknowledged.add(ack.getPackageId() + "@" + ack.getToken());
        }
      }
      assertEquals(packages, finished.size(), "every package built once: " + finished);
      assertEquals(finished.stream().sorted().toList(), acknowledged.stream().sorted().toList(), "each verdict acknowledged once");
      await("all done", () -> service.status().packagesByState().getOrDefault("done", 0L) == packages);
      toCoordinator.onCompleted();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aDroneThatDoesNotReadAcknowledgementsOnAssignmentsGetsEachOnItsOwn() throws Exception {
    List<CoordinatorMessage> told = buildTwoByHand("older", false);
    assertEquals(4, told.size(), told.toString());
    assertTrue(told.stream().noneMatch(CoordinatorMessage::hasAcknowledges), told.toString());
    assertEquals(2, told.stream().filter(CoordinatorMessage::hasFinishedAck).count(), told.toString());
    assertEquals(
        told.stream().filter(CoordinatorMessage::hasAssignment).map(m -> m.getAssignment().getPackageId()).toList(),
        told.stream().filter(CoordinatorMessage::hasFinishedAck).map(m -> m.getFinishedAck().getPackageId()).toList());
  }

  @Test
  void aDroneSpeakingAnotherProtocolVersionIsToldWhichAndNotRegistered() throws Exception {
    ManagedChannel channel = TestSwarm.channel(target, TestSwarm.DRONE_TOKEN);
    try {
      CompletableFuture<io.grpc.Status> ended = new CompletableFuture<>();
      StreamObserver<dev.buildswarm.proto.v1.DroneMessage> toCoordinator =
          DroneServiceGrpc.newStub(channel)
              .session(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(CoordinatorMessage message) {
                      ended.completeExceptionally(new AssertionError("answered " + message));
                    }

                    @Override
                    public void onError(Throwable t) {
                      ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      ended.completeExceptionally(new AssertionError("completed without an error"));
                    }
                  });
      toCoordinator.onNext(
          DroneMessage.newBuilder()
              .setRegister(
                  Register.newBuilder()
                      .setName("future").setCores(1).setSlots(1).setProtocolVersion(99))
              .build());
      Status status = ended.get(10, TimeUnit.SECONDS);
      assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode());
      assertTrue(status.getDescription().contains("drone future speaks protocol 99, this coordinator speaks 1"), status.getDescription());
      assertTrue(service.drones().stream().noneMatch(d -> d.name().equals("future")), "not registered");
    } finally {
      channel.shutdownNow();
    }
  }
}

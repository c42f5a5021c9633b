package dev.buildswarm.coordinator.drones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.coordinator.domain.DroneVitals;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.queue.CoordinatorSettings;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.coordinator.queue.WorkSignal;
import dev.buildswarm.coordinator.redis.LuaScripts;
import dev.buildswarm.coordinator.redis.RedisDroneBuckets;
import dev.buildswarm.coordinator.redis.RedisJobQueue;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** A drone session against real Redis, with a link that records what it would send. */
@RealRedis
class DroneSessionIT {
  private RedissonClient redis;
  private SwarmService service;
  private final DroneSessions sessions = new DroneSessions();
  private Dispatcher dispatcher;
  private final AtomicLong nowMs = new AtomicLong(1_000_000);
  private RedisKeys keys;

  private RedisKeys keysOfService() {
    return keys;
  }
  private final WorkSignal signal = new WorkSignal();

  /** A clock the test moves. */
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(nowMs.get());
        }
      };

  /** Accepts every message but delivers none: a half-open connection. */
  private static final class BlackHoleLink implements DroneLink {
    final List<Claim.Claimed> assigned = new CopyOnWriteArrayList<>();
    final List<String> cancelled = new CopyOnWriteArrayList<>();

    @Override
    public boolean assign(Claim.Claimed claim) {
      assigned.add(claim);
      return true;
    }

    final List<String> acknowledged = new CopyOnWriteArrayList<>();
    final List<String> closed = new CopyOnWriteArrayList<>();

    @Override
    public void storeThenAcknowledge(String packageId, long token, Runnable storing) {
      storing.run();
      acknowledged.add(packageId + ":" + token);
    }

    @Override
    public void cancel(String packageId, long token, String reason) {
      cancelled.add(packageId);
    }

    final List<DroneOrders> orders = new CopyOnWriteArrayList<>();

    @Override
    public void orders(DroneOrders told) {
      orders.add(told);
    }

    @Override
    public void shutdown(String reason, Duration reconnectAfter) {}

    @Override
    public void close(String reason) {
      closed.add(reason);
    }
  }

  @BeforeEach
  void start(RedisEndpoint endpoint) {
    redis = RedisConnection.open(endpoint.url());
    keys = new RedisKeys(endpoint.swarm() + "-" + System.nanoTime());
    LuaScripts scripts = new LuaScripts(redis);
    CoordinatorSettings settings =
        new CoordinatorSettings(
            keys.swarm(), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 100,
            new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 0.5), Duration.ofMinutes(10),
            GroundingPolicy.DEFAULT);
    service =
        new SwarmService(
            new RedisJobQueue(redis, keys, scripts),
            new RedisDroneBuckets(redis, keys, scripts),
            signal,
            () -> {},
            (drone, id, token, reason) -> {},
            clock,
            settings);
    dispatcher = new Dispatcher(service, sessions, signal).start();
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    redis.shutdown();
  }

  private DroneSession session(String name, int slots, DroneLink link, String coordinator) {
    DroneSession session = new DroneSession(drone(name, slots), service, link, dispatcher::wake, coordinator, clock);
    sessions.add(session);
    session.open(Map.of());
    return session;
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  private DroneRegistration drone(String name, int slots) {
    return new DroneRegistration(name, "host", 4, slots, 1.0, "test");
  }

  @Test
  void anAssignmentTheDroneNeverMentionsIsGivenBackAndItsSlotFreed() throws Exception {
    service.enqueue(List.of("=app-misc/a-1", "=app-misc/b-1"), 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", 1, link, "c1");
    await("the one slot is filled", () -> link.assigned.size() == 1);
    String first = link.assigned.get(0).packageId();

    // A heartbeat within the grace period does not touch the in-flight assignment.
    nowMs.addAndGet(1_000);
    session.heartbeat(Map.of(), DroneVitals.UNKNOWN);
    assertEquals("claimed", service.packageRecord(first).get("state"));

    // Two heartbeat intervals later the drone still does not mention it: it never arrived.
    nowMs.addAndGet(11_000);
    session.heartbeat(Map.of(), DroneVitals.UNKNOWN);
    await("the freed slot takes the next package", () -> link.assigned.size() == 2);
    assertEquals("0", service.packageRecord(first).get("losses"));
    session.close();
  }

  @Test
  void theLongestReadyPackageGoesToTheFastestFreeDrone() throws Exception {
    redis.getMap(keysOfService().history(), org.redisson.client.codec.StringCodec.INSTANCE).put("sys-devel/gcc", "3600000");
    redis.getMap(keysOfService().history(), org.redisson.client.codec.StringCodec.INSTANCE).put("app-misc/small", "60000");
    service.enqueue(List.of("=app-misc/small-1", "=sys-devel/gcc-13.2.1", "=app-misc/unknown-1"), 0);
    // Dispatched by hand (not started), with every drone free at the same moment.
    DroneSessions free = new DroneSessions();
    Dispatcher byHand = new Dispatcher(service, free, new WorkSignal());
    BlackHoleLink slow = new BlackHoleLink();
    BlackHoleLink fast = new BlackHoleLink();
    BlackHoleLink middle = new BlackHoleLink();
    for (Object[] d : new Object[][] {{"d1-slow", 2, 1.0, slow}, {"d3-fast", 16, 2.0, fast}, {"d2-middle", 8, 1.0, middle}}) {
      DroneSession s =
          new DroneSession(
              new DroneRegistration((String) d[0], "h", (int) d[1], 1, (double) d[2], "t"),
              service, (BlackHoleLink) d[3], () -> {}, "c1", clock);
      free.add(s);
      s.open(Map.of());
    }
    byHand.dispatch();
    assertEquals("=sys-devel/gcc-13.2.1", fast.assigned.get(0).atom());
    assertEquals("=app-misc/unknown-1", middle.assigned.get(0).atom());
    assertEquals("=app-misc/small-1", slow.assigned.get(0).atom());
  }

  @Test
  void aVerdictSentAgainAfterAReconnectNeitherClaimsNorCounts() throws Exception {
    service.enqueue(List.of("=app-misc/a-1", "=app-misc/b-1", "=app-misc/c-1"), 0);
    // The old session: a was claimed and its verdict stored, but the drone never got the ack.
    Claim.Claimed a = (Claim.Claimed) service.claim("d1");
    service.complete("d1", a.packageId(), a.token(), 10, false);

    BlackHoleLink link = new BlackHoleLink();
    DroneSession fresh = session("d1", 1, link, "c1");
    await("the one slot is filled", () -> link.assigned.size() == 1);
    fresh.buildFinished(new BuildReport(a.packageId(), a.token(), true, 10, "", false, null)).join(); // sent again
    Thread.sleep(200); // the dispatcher had its chance to overbook
    assertEquals(1, link.assigned.size(), "still one build for one slot");
    assertEquals(1L, service.status().packagesByState().get("claimed"));
    assertEquals(0, service.drones().get(0).built(), "the repeat is not counted (the first was, by the old session)");
    fresh.close();
  }

  @Test
  void aReplacedSessionCannotOverwriteTheDronesBucket() {
    DroneSession old = session("d1", 1, new BlackHoleLink(), "c1");
    DroneSession current = session("d1", 1, new BlackHoleLink(), "c2");

    old.close(); // would write "offline" over the live session's bucket
    DroneBucket bucket = service.drones().get(0);
    assertEquals("idle", bucket.state());
    assertEquals("c2", bucket.coordinator());
    current.close();
    assertEquals("offline", service.drones().get(0).state());
  }

  /**
   * Verdicts are stored on threads of their own, so one may land after its session closed or was
   * replaced by the drone's newer session: the build still counts, and the newer session's
   * bucket is not overwritten.
   */
  @Test
  void aVerdictStoredAfterItsSessionWasReplacedStillCounts() throws Exception {
    service.enqueue(List.of("=app-misc/a-1"), 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession old = session("d1", 1, link, "c1");
    await("the package is assigned", () -> link.assigned.size() == 1);
    Claim.Claimed a = link.assigned.get(0);
    DroneSession current = session("d1", 1, new BlackHoleLink(), "c2"); // replaces old
    old.buildFinished(new BuildReport(a.packageId(), a.token(), true, 10, "", false, null)).join();
    assertEquals("done", service.packageRecord(a.packageId()).get("state"));
    await("the build is counted", () -> service.drones().get(0).built() == 1);
    DroneBucket bucket = service.drones().get(0);
    assertEquals("c2", bucket.coordinator(), "the newer session's bucket stands");
    assertEquals("idle", bucket.state());
    current.close();
  }

  @Test
  void aDroneFloodingItsLogIsCutToTheLimitAndKeepsBuilding() throws Exception {
    service.enqueue(List.of("=app-misc/noisy-1"), 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", 1, link, "c1");
    await("the package is assigned", () -> link.assigned.size() == 1);
    Claim.Claimed claimed = link.assigned.get(0);
    String chunk = "y".repeat(64 * 1024 - 1) + "\n";
    for (int i = 0; i < 200; i++) { // 12.8 MiB in no time at all (the test's clock stands still)
      session.logChunk(claimed.packageId(), claimed.token(), chunk);
    }
    nowMs.addAndGet(1_000);
    session.logChunk(claimed.packageId(), claimed.token(), "the end\n");
    String log = String.join("", service.log(claimed.packageId(), 0, 0).chunks());
    assertTrue(log.contains("bytes of build output dropped: over the coordinator's log limit of 512 KiB/s per drone"));
    assertTrue(log.endsWith("the end\n"));
    session.buildFinished(new BuildReport(claimed.packageId(), claimed.token(), true, 10, "", false, null)).join();
    assertEquals(1L, service.status().packagesByState().get("done"), "the session goes on");
    session.close();
  }

  @Test
  void buildCountersSurviveReconnects() throws Exception {
    for (int session = 0; session < 2; session++) {
      BlackHoleLink link = new BlackHoleLink();
      DroneSession s = session("d1", 1, link, "c1");
      service.enqueue(List.of("=app-misc/p" + session + "-1"), 0);
      await("a package is assigned", () -> link.assigned.size() == 1);
      Claim.Claimed claimed = link.assigned.get(0);
      s.buildFinished(new BuildReport(claimed.packageId(), claimed.token(), true, 10, "", false, null)).join();
      s.close();
    }
    assertEquals(2, service.drones().get(0).built());
    assertFalse(service.drones().isEmpty());
    assertTrue(service.status().packagesByState().get("done") == 2L);
  }

  /** Builds ending faster than the bucket's interval: the bucket ends up showing the last state. */
  @Test
  void theBucketShowsTheLastStateAfterABurstOfBuilds() throws Exception {
    int packages = 40;
    List<String> atoms = new java.util.ArrayList<>();
    for (int i = 0; i < packages; i++) {
      atoms.add("=app-misc/burst" + i + "-1");
    }
    service.enqueue(atoms, 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", 2, link, "c1");
    int finished = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (finished < packages && System.nanoTime() < deadline) {
      if (finished < link.assigned.size()) {
        Claim.Claimed c = link.assigned.get(finished++);
        session.buildStarted(c.packageId(), c.token());
        session.buildFinished(new BuildReport(c.packageId(), c.token(), true, 10, "", false, null)).join();
      } else {
        Thread.sleep(1);
      }
    }
    assertEquals(packages, finished);
    // Within one interval (and the write's own time) the last state lands: no build, all counted.
    await(
        "the bucket shows the last state",
        () -> {
          DroneBucket b = service.drones().get(0);
          return b.built() == packages && b.state().equals("idle") && b.running().isEmpty();
        });
    session.close();
  }

  /** A routine write gathered before the session closed must not show the drone online again. */
  @Test
  void aClosedSessionStaysOfflineAfterItsGatheredWriteWasDue() throws Exception {
    service.enqueue(List.of("=app-misc/a-1", "=app-misc/b-1"), 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", 2, link, "c1");
    await("both slots are filled", () -> link.assigned.size() == 2);
    Claim.Claimed a = link.assigned.get(0);
    session.buildFinished(new BuildReport(a.packageId(), a.token(), true, 10, "", false, null)).join();
    session.close();
    Thread.sleep(2 * DroneSession.BUCKET_INTERVAL.toMillis()); // any gathered write was due by now
    DroneBucket bucket = service.drones().get(0);
    assertEquals("offline", bucket.state());
    assertEquals(1, bucket.built(), "the build ended before the close is counted");
  }

  /**
   * A drone whose builds end at once sends each start and verdict back to back, and the session
   * does not wait for the start to be stored before taking the verdict. Each package still shows
   * claimed, building, then its end, once each: a success may be applied first (it records the
   * start), a failure waits for its start (a build that never started sends none).
   */
  @Test
  void startsAndVerdictsSentBackToBackShowEveryBuildStartedOnceBeforeItEnds() throws Exception {
    int builds = 16;
    List<String> atoms = new java.util.ArrayList<>();
    for (int i = 0; i < builds; i++) {
      atoms.add("=app-misc/p" + i + "-1");
    }
    service.enqueue(atoms, 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", builds, link, "c1");
    await("every slot is filled", () -> link.assigned.size() == builds);
    List<java.util.concurrent.CompletableFuture<Void>> stored = new java.util.ArrayList<>();
    for (int i = 0; i < builds; i++) {
      Claim.Claimed c = link.assigned.get(i);
      session.buildStarted(c.packageId(), c.token());
      boolean success = i % 2 == 0;
      stored.add(
          session.buildFinished(
              new BuildReport(
                  c.packageId(), c.token(), success, 3, success ? "" : "exit 1", false,
                  dev.buildswarm.coordinator.domain.FailureClass.PERMANENT)));
    }
    stored.forEach(java.util.concurrent.CompletableFuture::join);
    for (int i = 0; i < builds; i++) {
      String id = link.assigned.get(i).packageId();
      List<String> types =
          service.showPackage(id).transitions().stream().map(e -> e.fields().get("type")).toList();
      String end = i % 2 == 0 ? "done" : "failed";
      assertEquals(List.of("queued", "claimed", "building", end), types, "package " + id);
      assertEquals(end, service.packageRecord(id).get("state"));
      assertTrue(service.packageRecord(id).containsKey("started_ms"), "package " + id);
    }
    assertTrue(link.cancelled.isEmpty(), "no start refused: " + link.cancelled);
    Map<String, Long> counts = service.status().packagesByState();
    assertEquals(List.of(0L, 0L, (long) builds / 2, (long) builds / 2),
        List.of(counts.get("claimed"), counts.get("building"), counts.get("done"), counts.get("failed")), "" + counts);
    session.close();
  }

  /**
   * Reports that could not be stored (Redis gone): a start is not waited for, so its error ends the
   * session from its answer (the link is closed; the transport then removes the session); a
   * success's future fails and closes the link too; a failure, stored in turn, throws to the
   * transport as any report. Nothing is acknowledged.
   */
  @Test
  void reportsThatCouldNotBeStoredEndTheSession() throws Exception {
    service.enqueue(List.of("=app-misc/a-1", "=app-misc/b-1"), 0);
    BlackHoleLink link = new BlackHoleLink();
    DroneSession session = session("d1", 2, link, "c1");
    await("both packages are assigned", () -> link.assigned.size() == 2);
    Claim.Claimed a = link.assigned.get(0);
    Claim.Claimed b = link.assigned.get(1);
    dispatcher.close();
    redis.shutdown();

    session.buildStarted(a.packageId(), a.token());
    await("the start's error closed the link", () -> link.closed.size() == 1);
    java.util.concurrent.CompletableFuture<Void> success =
        session.buildFinished(new BuildReport(a.packageId(), a.token(), true, 3, "", false, null));
    assertThrows(java.util.concurrent.CompletionException.class, success::join);
    await("the success's error closed the link", () -> link.closed.size() == 2);
    assertThrows(
        RuntimeException.class,
        () -> session.buildFinished(
            new BuildReport(b.packageId(), b.token(), false, 3, "exit 1", false,
                dev.buildswarm.coordinator.domain.FailureClass.PERMANENT)));
    assertTrue(link.acknowledged.isEmpty(), "nothing acknowledged: " + link.acknowledged);
  }
}

package dev.buildswarm.coordinator.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneOrder;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.StringCodec;

/** The queue's Lua scripts against a real Redis. */
class QueueScriptsIT extends QueueFixture {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration DEFAULT_EXPECTED = Duration.ofMinutes(10);
  private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofSeconds(60), 0.5);

  private List<EnqueueOutcome> enqueue(int priority, String... atoms) {
    return queue.enqueue(
        List.of(atoms).stream().map(a -> new QueuedAtom(Atom.parse(a), List.of())).toList(),
        priority,
        1_000,
        DEFAULT_EXPECTED);
  }

  private Claim.Claimed claim(String drone, long now) {
    return assertInstanceOf(Claim.Claimed.class, queue.claim(drone, now, TTL));
  }

  private Map<String, String> record(String id) {
    return queue.packageRecord(id);
  }

  private boolean inSortedSet(String key, String id) {
    // Ready members are zero-padded ids (so equal scores keep queue order).
    String member = key.equals(keys.ready()) ? String.format("%012d", Long.parseLong(id)) : id;
    return redis.getScoredSortedSet(key, StringCodec.INSTANCE).contains(member);
  }

  /**
   * One group-commit call holding the same verdict twice (a drone's resend that met its first in a
   * batch), with the drone's next package claimed: the second reads what the first wrote and is a
   * duplicate; the dependent the first released is claimed once; the counts are the index sizes.
   */
  @Test
  void oneBatchWithAVerdictTwiceAppliesItOnceAndClaimsTheDependentItReleasedOnce() {
    queue.enqueue(
        List.of(
            new QueuedAtom(Atom.parse("=app-misc/a-1"), List.of()),
            new QueuedAtom(Atom.parse("=app-misc/b-1"), List.of(Atom.parse("=app-misc/a-1")))),
        0, 1_000, DEFAULT_EXPECTED);
    Claim.Claimed a = claim("d1", 2_000);
    List<Object> args = new ArrayList<>(List.of(keys.prefix(), "2"));
    for (int i = 0; i < 2; i++) {
      args.addAll(List.of(a.packageId(), "d1", String.valueOf(a.token()), "3000", "100", "d1", String.valueOf(TTL.toMillis()), "0"));
    }
    List<Object> reply = new LuaScripts(redis).run(LuaScripts.Script.COMPLETE, List.of(keys.stateCounts()), args.toArray());
    int secondAt = 1 + ((Long) reply.get(0)).intValue();
    assertEquals("done", reply.get(2), "first: " + reply);
    assertEquals(1L, reply.get(3), "the dependent claimed with the first: " + reply);
    assertEquals(List.of(2L, 1L, "duplicate"), reply.subList(secondAt, reply.size()), "second: " + reply);
    String b = String.valueOf(reply.get(4));
    assertEquals("claimed", record(b).get("state"));
    Map<String, Long> counts = queue.countsByState();
    assertEquals(1L, counts.getOrDefault("done", 0L));
    assertEquals(1L, counts.getOrDefault("claimed", 0L));
    assertEquals(0L, counts.getOrDefault("queued", 0L) + counts.getOrDefault("blocked", 0L));
    assertEquals(1, redis.getScoredSortedSet(keys.leases(), StringCodec.INSTANCE).size());
    assertEquals(0, redis.getScoredSortedSet(keys.ready(), StringCodec.INSTANCE).size());
    assertTrue(inSortedSet(keys.leases(), b));
  }

  /**
   * One call of started.lua holding several drones' start reports: each is checked against its
   * package's owner and fencing token on its own (a stale token and another drone's report are
   * refused, with their own answers and events), the accepted ones are building with renewed leases
   * in the index, and a report sent twice in the call counts once.
   */
  @Test
  void oneBatchOfStartReportsChecksEachAgainstItsOwnLease() {
    enqueue(0, "=app-misc/a-1", "=app-misc/b-1", "=app-misc/c-1");
    Claim.Claimed a = claim("d1", 2_000);
    Claim.Claimed b = claim("d2", 2_000);
    Claim.Claimed c = claim("d3", 2_000);
    String ttl = String.valueOf(TTL.toMillis());
    List<Object> args = new ArrayList<>(List.of(keys.prefix(), "5"));
    args.addAll(List.of(a.packageId(), "d1", String.valueOf(a.token()), "2100", ttl));
    args.addAll(List.of(b.packageId(), "d2", String.valueOf(b.token() + 100), "2100", ttl)); // a stale token
    args.addAll(List.of(c.packageId(), "d1", String.valueOf(c.token()), "2100", ttl)); // not d1's lease
    args.addAll(List.of(c.packageId(), "d3", String.valueOf(c.token()), "2200", ttl));
    args.addAll(List.of(a.packageId(), "d1", String.valueOf(a.token()), "2300", ttl)); // sent again
    List<Object> reply = new LuaScripts(redis).run(LuaScripts.Script.STARTED, List.of(keys.stateCounts()), args.toArray());
    assertEquals(10, reply.size(), "two values per report: " + reply);
    assertEquals(List.of(1L, ""), reply.subList(0, 2));
    assertEquals(-1L, reply.get(2));
    assertTrue(String.valueOf(reply.get(3)).startsWith("stale token"), String.valueOf(reply.get(3)));
    assertEquals(List.of(-1L, "lease belongs to d3"), reply.subList(4, 6));
    assertEquals(List.of(1L, ""), reply.subList(6, 8));
    assertEquals(List.of(1L, ""), reply.subList(8, 10));
    assertEquals("building", record(a.packageId()).get("state"));
    assertEquals("claimed", record(b.packageId()).get("state"), "the stale report changed nothing");
    assertEquals("building", record(c.packageId()).get("state"));
    assertEquals(1L, queue.countsByState().get("claimed"));
    assertEquals(2L, queue.countsByState().get("building"));
    Double aUntil = redis.getScoredSortedSet(keys.leases(), StringCodec.INSTANCE).getScore(a.packageId());
    assertEquals(2_300 + TTL.toMillis(), aUntil.longValue(), "the lease renewed by the last report");
    assertEquals(
        2_200 + TTL.toMillis(),
        redis.getScoredSortedSet(keys.leases(), StringCodec.INSTANCE).getScore(c.packageId()).longValue());
    long refusedEvents =
        queue.events("", 1000).stream().filter(e -> "refused".equals(e.fields().get("type"))).count();
    assertEquals(2, refusedEvents);
    long buildingEvents =
        queue.events("", 1000).stream().filter(e -> "building".equals(e.fields().get("type"))).count();
    assertEquals(2, buildingEvents, "a start sent again is no new transition");
  }

  /**
   * The events of one grouped call are one stream entry, read back as the events in the order they
   * happened, all at that entry's cursor; a value holding a tab, a newline or a backslash comes back
   * as it was; a page never splits the entry.
   */
  @Test
  void theEventsOfOneGroupedCallAreOneEntryReadBackInOrder() {
    enqueue(0, "=app-misc/a-1", "=app-misc/b-1");
    Claim.Claimed a = claim("d1", 2_000);
    Claim.Claimed b = claim("d2", 2_000);
    List<SwarmEvent> before = queue.events("", 1000);
    String cursor = before.get(before.size() - 1).id();
    long entriesBefore = redis.getStream(keys.events(), StringCodec.INSTANCE).size();
    String odd = "d\t2\n\\x"; // not a name registration lets through; the script takes any
    String ttl = String.valueOf(TTL.toMillis());
    List<Object> args = new ArrayList<>(List.of(keys.prefix(), "3"));
    args.addAll(List.of(a.packageId(), "d1", String.valueOf(a.token()), "2100", ttl));
    args.addAll(List.of(b.packageId(), odd, String.valueOf(b.token()), "2200", ttl));
    args.addAll(List.of(b.packageId(), "d2", String.valueOf(b.token()), "2300", ttl));
    new LuaScripts(redis).run(LuaScripts.Script.STARTED, List.of(keys.stateCounts()), args.toArray());

    assertEquals(entriesBefore + 1, redis.getStream(keys.events(), StringCodec.INSTANCE).size(), "one entry for the call");
    List<SwarmEvent> after = queue.events(cursor, 1);
    assertEquals(3, after.size(), "a page holds the whole entry: " + after);
    assertEquals(List.of("building", "refused", "building"), after.stream().map(e -> e.fields().get("type")).toList());
    assertEquals(List.of(a.packageId(), b.packageId(), b.packageId()), after.stream().map(e -> e.fields().get("id")).toList());
    assertEquals(List.of("2100", "2200", "2300"), after.stream().map(e -> e.fields().get("ts")).toList());
    assertEquals(odd, after.get(1).fields().get("drone"));
    assertEquals("lease belongs to d2", after.get(1).fields().get("reason"));
    assertEquals(1, after.stream().map(SwarmEvent::id).distinct().count(), "one cursor for the entry");
    assertEquals(List.of("queued", "claimed", "refused", "building"),
        queue.recentEventsOf(b.packageId(), 100).stream().map(e -> e.fields().get("type")).toList());
    enqueue(0, "=app-misc/c-1");
    List<SwarmEvent> later = queue.events(after.get(2).id(), 10);
    assertEquals(List.of("queued"), later.stream().map(e -> e.fields().get("type")).toList(), "nothing read twice");
  }

  /** A call with more events than one group holds (32) writes several entries, in order. */
  @Test
  void aGroupedCallWithManyEventsWritesThemInOrderOverSeveralEntries() {
    String[] atoms = IntStream.range(0, 40).mapToObj(i -> "=app-misc/m" + i + "-1").toArray(String[]::new);
    enqueue(0, atoms);
    List<Claim.Claimed> claims = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      claims.add(claim("d" + i, 2_000));
    }
    List<SwarmEvent> before = queue.events("", 10_000);
    long entriesBefore = redis.getStream(keys.events(), StringCodec.INSTANCE).size();
    String ttl = String.valueOf(TTL.toMillis());
    List<Object> args = new ArrayList<>(List.of(keys.prefix(), "40"));
    for (int i = 0; i < 40; i++) {
      args.addAll(List.of(claims.get(i).packageId(), "d" + i, String.valueOf(claims.get(i).token()), String.valueOf(3_000 + i), ttl));
    }
    new LuaScripts(redis).run(LuaScripts.Script.STARTED, List.of(keys.stateCounts()), args.toArray());

    assertEquals(entriesBefore + 2, redis.getStream(keys.events(), StringCodec.INSTANCE).size(), "32 events, then 8");
    List<SwarmEvent> after = queue.events(before.get(before.size() - 1).id(), 10_000);
    assertEquals(claims.stream().map(Claim.Claimed::packageId).toList(), after.stream().map(e -> e.fields().get("id")).toList());
    assertEquals(IntStream.range(0, 40).mapToObj(i -> String.valueOf(3_000 + i)).toList(), after.stream().map(e -> e.fields().get("ts")).toList());
    assertEquals(2, after.stream().map(SwarmEvent::id).distinct().count());
  }

  @Test
  void anAtomAlreadyInTheSwarmIsNotQueuedTwice() {
    List<EnqueueOutcome> first = enqueue(0, "=sys-libs/glibc-2.38-r10", "dev-util/cmake");
    assertTrue(first.get(0).queued());
    List<EnqueueOutcome> again = enqueue(0, "=sys-libs/glibc-2.38-r10", "=sys-libs/glibc-2.38-r10");
    assertFalse(again.get(0).queued());
    assertEquals(first.get(0).packageId(), again.get(0).packageId());
    assertEquals("queued", again.get(0).state());
    assertFalse(again.get(1).queued(), "a duplicate within one request is queued once");
    assertEquals(2L, queue.countsByState().get("queued"));
  }

  @Test
  void scriptsAreLoadedAgainAfterRedisForgetsThem() {
    enqueue(0, "=app-misc/a-1");
    redis.getScript().scriptFlush(); // what a Redis restart does to the script cache
    assertTrue(enqueue(0, "=app-misc/b-1").get(0).queued());
    assertEquals("=app-misc/a-1", claim("d1", 2_000).atom());
  }

  @Test
  void aVerdictSentTwiceIsAppliedOnce() {
    String id = enqueue(0, "=app-misc/a-1").get(0).packageId();
    Claim.Claimed claimed = claim("d1", 2_000);
    assertInstanceOf(Report.Accepted.class, queue.complete("d1", id, claimed.token(), 3_000, 900, "", TTL).report());
    Report again = queue.complete("d1", id, claimed.token(), 3_500, 900, "d1", TTL).report();
    assertEquals("duplicate", assertInstanceOf(Report.Accepted.class, again).outcome());
    // A different verdict under the same lease is not a repeat: refused, and recorded.
    assertInstanceOf(
        Report.Refused.class,
        queue.fail("d1", id, claimed.token(), 3_600, 900, "late", FailureClass.PERMANENT, RETRY, GroundingPolicy.OFF, 0.5, "", TTL).report());
    assertEquals("done", record(id).get("state"), "the first verdict stands");
    assertEquals(1L, queue.countsByState().get("done"));
    assertEquals(0L, queue.countsByState().getOrDefault("failed", 0L));
    assertInstanceOf(Report.Refused.class, queue.complete("d2", id, claimed.token(), 3_700, 1, "", TTL).report());
  }

  @Test
  void higherPriorityIsClaimedFirstThenQueueOrder() {
    enqueue(0, "=app-misc/a-1", "=app-misc/b-1");
    enqueue(5, "=app-misc/urgent-1");
    assertEquals("=app-misc/urgent-1", claim("d1", 2_000).atom());
    assertEquals("=app-misc/a-1", claim("d1", 2_000).atom());
    assertEquals("=app-misc/b-1", claim("d1", 2_000).atom());
    assertInstanceOf(Claim.Empty.class, queue.claim("d1", 2_000, TTL));
  }

  @Test
  void aCompletedPackageLeavesEveryIndex() {
    String id = enqueue(0, "=app-misc/a-1").get(0).packageId();
    Claim.Claimed claimed = claim("d1", 2_000);
    assertEquals(1, claimed.attempt());
    assertInstanceOf(Report.Accepted.class, queue.started("d1", id, claimed.token(), 2_100, TTL).join());
    assertEquals("building", record(id).get("state"));
    assertInstanceOf(Report.Accepted.class, queue.complete("d1", id, claimed.token(), 3_000, 900, "", TTL).report());

    assertEquals("done", record(id).get("state"));
    assertFalse(inSortedSet(keys.ready(), id));
    assertFalse(inSortedSet(keys.leases(), id));
    assertFalse(redis.getMap(keys.activeAtoms(), StringCodec.INSTANCE).containsKey("=app-misc/a-1"));
    assertEquals(Map.of("queued", 0L, "claimed", 0L, "building", 0L, "done", 1L), queue.countsByState());
    // Done is terminal: the same atom may be queued again as a new package (a rebuild).
    assertTrue(enqueue(0, "=app-misc/a-1").get(0).queued());
  }

  /**
   * The coordinator sends a build's start report and its verdict without waiting for one another,
   * so the verdict may land first: a success records the start itself (the time its duration
   * gives, the building event), and the start that lands after it changes nothing and is not
   * refused. A start from another lease is still refused.
   */
  @Test
  void aStartReportThatLandsAfterItsBuildsVerdictChangesNothing() {
    String a = enqueue(0, "=app-misc/a-1").get(0).packageId();
    Claim.Claimed first = claim("d1", 2_000);
    assertInstanceOf(Report.Accepted.class, queue.complete("d1", a, first.token(), 3_000, 900, "", TTL).report());
    assertEquals("2100", record(a).get("started_ms"), "started its duration before the verdict");
    Map<String, Long> counts = queue.countsByState();

    assertInstanceOf(Report.Accepted.class, queue.started("d1", a, first.token(), 3_001, TTL).join());
    assertEquals("done", record(a).get("state"));
    assertEquals("2100", record(a).get("started_ms"));
    assertFalse(inSortedSet(keys.leases(), a), "no lease taken again");
    assertEquals(counts, queue.countsByState());
    assertEquals(List.of("queued", "claimed", "building", "done"),
        queue.recentEventsOf(a, 100).stream().map(e -> e.fields().get("type")).toList());

    // A failure applied first (the session holds one back until its start is stored; a verdict of
    // an earlier session resent after a reconnect may still pass it): the start is no refusal.
    String b = enqueue(0, "=app-misc/b-1").get(0).packageId();
    Claim.Claimed second = claim("d1", 4_000);
    queue.fail("d1", b, second.token(), 4_100, 5, "net", FailureClass.TRANSIENT, RETRY, GroundingPolicy.OFF, 0.5, "", TTL);
    assertEquals("delayed", record(b).get("state"));
    assertInstanceOf(Report.Accepted.class, queue.started("d1", b, second.token(), 4_101, TTL).join());
    assertEquals("delayed", record(b).get("state"));
    assertEquals(List.of("queued", "claimed", "retry_scheduled"),
        queue.recentEventsOf(b, 100).stream().map(e -> e.fields().get("type")).toList());

    // Not its verdict's lease: refused, as before.
    assertInstanceOf(Report.Refused.class, queue.started("d2", a, first.token(), 4_200, TTL).join());
    assertInstanceOf(Report.Refused.class, queue.started("d1", a, first.token() + 100, 4_200, TTL).join());
  }

  @Test
  void aReportWithAStaleTokenOrFromAnotherDroneIsRefusedAndRecorded() {
    String id = enqueue(0, "=app-misc/a-1").get(0).packageId();
    Claim.Claimed first = claim("d1", 2_000);
    // d1's lease expires and the package is claimed again, by d2.
    assertEquals(1, queue.reapExpired(2_000 + TTL.toMillis() + 1, 100, 3));
    Claim.Claimed second = claim("d2", 40_000);
    assertTrue(second.token() > first.token());

    Report late = queue.complete("d1", id, first.token(), 41_000, 100, "", TTL).report();
    assertEquals("lease belongs to d2", assertInstanceOf(Report.Refused.class, late).reason());
    Report forged = queue.complete("d2", id, first.token(), 41_000, 100, "", TTL).report();
    assertTrue(assertInstanceOf(Report.Refused.class, forged).reason().startsWith("stale token"));
    assertInstanceOf(Report.Refused.class, queue.renew("d1", id, first.token(), 41_000, TTL));
    assertEquals("claimed", record(id).get("state"), "no refused report was applied");

    long refusals = queue.events("", 1000).stream().filter(e -> "refused".equals(e.fields().get("type"))).count();
    assertEquals(3, refusals);
    assertInstanceOf(Report.Accepted.class, queue.complete("d2", id, second.token(), 42_000, 100, "", TTL).report());
  }

  @Test
  void aPackageGivenBackByItsDroneIsQueuedAgainWithoutAFailureOrLoss() {
    enqueue(0, "=app-misc/a-1", "=app-misc/b-1");
    Claim.Claimed first = claim("d1", 2_000);
    assertInstanceOf(Report.Refused.class, queue.release("d2", first.packageId(), first.token(), 2_100, "not mine"));
    assertInstanceOf(Report.Accepted.class, queue.release("d1", first.packageId(), first.token(), 2_100, "drone stopping"));

    Map<String, String> rec = record(first.packageId());
    assertEquals("queued", rec.get("state"));
    assertEquals("0", rec.get("losses"));
    assertFalse(inSortedSet(keys.leases(), first.packageId()));
    assertEquals(Map.of("queued", 2L, "claimed", 0L), queue.countsByState());
    // It keeps its place in the queue: claimed before the package queued after it.
    Claim.Claimed again = claim("d2", 2_200);
    assertEquals(first.packageId(), again.packageId());
    assertEquals(2, again.attempt());
    assertInstanceOf(Report.Refused.class, queue.complete("d1", first.packageId(), first.token(), 2_300, 1, "", TTL).report());
  }

  @Test
  void threeReapersAtOnceRequeueEachExpiredLeaseExactlyOnce() throws Exception {
    int packages = 200;
    String[] atoms = IntStream.range(0, packages).mapToObj(i -> "=app-misc/p" + i + "-1").toArray(String[]::new);
    enqueue(0, atoms);
    for (int i = 0; i < packages; i++) {
      claim("lost-drone", 1_000);
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> reaped = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      // Each coordinator's reaper has its own connection and script cache.
      RedisJobQueue coordinator = new RedisJobQueue(redis, keys, new LuaScripts(redis));
      reaped.add(
          pool.submit(
              () -> {
                go.await();
                int total = 0;
                for (int round = 0; round < 20; round++) {
                  total += coordinator.reapExpired(1_000 + TTL.toMillis() + 1, 7, 3);
                }
                return total;
              }));
    }
    go.countDown();
    int total = 0;
    for (Future<Integer> f : reaped) {
      total += f.get();
    }
    pool.shutdown();
    assertEquals(packages, total);
    assertEquals((long) packages, queue.countsByState().get("queued"));
    assertEquals(0L, queue.countsByState().get("claimed"));
    assertEquals("0", record("1").get("losses"), "claimed but never started: not a lost build");
  }

  @Test
  void aPackageLostMaxLossesTimesFailsAsAPoisonPill() {
    String id = enqueue(0, "=app-misc/poison-1").get(0).packageId();
    long now = 1_000;
    for (int loss = 1; loss <= 3; loss++) {
      Claim.Claimed claimed = claim("d" + loss, now);
      queue.started("d" + loss, id, claimed.token(), now, TTL).join();
      now += TTL.toMillis() + 1;
      assertEquals(1, queue.reapExpired(now, 100, 3));
    }
    Map<String, String> rec = record(id);
    assertEquals("failed", rec.get("state"));
    assertTrue(rec.get("reason").startsWith("lost 3 times"), rec.get("reason"));
    assertInstanceOf(Claim.Empty.class, queue.claim("d4", now, TTL));
  }

  @Test
  void concurrentClaimersNeverShareAPackageAndLoseNone() throws Exception {
    int packages = 3000;
    int claimers = 16;
    List<Atom> atoms = IntStream.range(0, packages).mapToObj(i -> Atom.parse("=app-misc/p" + i + "-1")).toList();
    queue.enqueue(atoms.stream().map(a -> new QueuedAtom(a, List.of())).toList(), 0, 1_000, DEFAULT_EXPECTED);
    Set<String> claimedIds = ConcurrentHashMap.newKeySet();
    AtomicInteger doubles = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(claimers);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < claimers; c++) {
      String drone = "drone-" + c;
      done.add(
          pool.submit(
              () -> {
                go.await();
                while (queue.claim(drone, 2_000, TTL) instanceof Claim.Claimed claimed) {
                  if (!claimedIds.add(claimed.packageId())) {
                    doubles.incrementAndGet();
                  }
                  queue.complete(drone, claimed.packageId(), claimed.token(), 2_001, 1, "", TTL).report();
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertEquals(0, doubles.get(), "no package was claimed twice");
    assertEquals(packages, claimedIds.size(), "no package was lost");
    assertEquals((long) packages, queue.countsByState().get("done"));
    assertEquals(0L, queue.countsByState().get("queued"));
  }

  /**
   * Grouped verdicts read a drone's bucket only when drones_marked lists it: every way a hold or a
   * streak is set must list it, or a grounded drone would claim its next package with its verdict.
   */
  @Test
  void aDroneHeldAnyWayGetsNoNextClaimWithItsVerdictAndIsUnlistedWhenFree() {
    RedisDroneBuckets buckets = new RedisDroneBuckets(redis, keys, new LuaScripts(redis));
    buckets.write("d1", "s1", true, 0, 0, Map.of("name", "d1"));
    enqueue(0, "=app-misc/a-1", "=app-misc/b-1", "=app-misc/c-1", "=app-misc/d-1", "=app-misc/e-1");
    var marked = redis.<String>getSet(keys.markedDrones(), StringCodec.INSTANCE);

    // An operator's order.
    buckets.order("d1", DroneOrder.GROUND, "disk", 2_000);
    assertEquals(Set.of("d1"), marked.readAll());
    Claim.Claimed a = claim("d2", 2_000);
    queue.started("d2", a.packageId(), a.token(), 2_000, TTL).join();
    assertInstanceOf(Claim.Held.class, queue.complete("d2", a.packageId(), a.token(), 2_100, 5, "d1", TTL).next(),
        "d1 is grounded: nothing claimed for it with d2's verdict");
    buckets.order("d1", DroneOrder.UNGROUND, "", 2_200);
    assertTrue(marked.readAll().isEmpty());

    // A failure streak (grounding off: the streak alone marks it), reset by a success.
    Claim.Claimed b = claim("d1", 3_000);
    queue.fail("d1", b.packageId(), b.token(), 3_100, 5, "net", FailureClass.TRANSIENT, RETRY, GroundingPolicy.OFF, 0.5, "", TTL);
    assertEquals(Set.of("d1"), marked.readAll(), "a streak runs");
    Claim.Claimed c = claim("d1", 3_200);
    assertInstanceOf(Claim.Claimed.class, queue.complete("d1", c.packageId(), c.token(), 3_300, 5, "d1", TTL).next());
    assertTrue(marked.readAll().isEmpty(), "a success ends the streak");

    // A hold written into the bucket by other means (an older version, by hand) is listed at the
    // drone's next bucket write, before its session claims anything.
    redis.getMap(keys.droneBucket("d1"), StringCodec.INSTANCE).put("draining", "1");
    buckets.write("d1", "s1", false, 0, 0, Map.of("name", "d1"));
    assertEquals(Set.of("d1"), marked.readAll());
    Claim.Claimed d = claim("d2", 4_000);
    assertInstanceOf(Claim.Held.class, queue.complete("d2", d.packageId(), d.token(), 4_100, 5, "d1", TTL).next());
  }
}

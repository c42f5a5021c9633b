package dev.buildswarm.coordinator.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisson.client.codec.StringCodec;

/**
 * Every outcome sequence a package can go through, against a real Redis: after each, the package
 * is in exactly one state and in exactly the indexes that state implies (lesson 3).
 */
class PackageLifecycleIT extends QueueFixture {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofSeconds(25), 0.5);
  private long now = 1_000_000;

  private String enqueue(String atom, String... after) {
    return queue
        .enqueue(
            List.of(new QueuedAtom(Atom.parse(atom), List.of(after).stream().map(Atom::parse).toList())),
            0,
            now,
            Duration.ofMinutes(10))
        .get(0)
        .packageId();
  }

  private Claim.Claimed claim(String drone) {
    return assertInstanceOf(Claim.Claimed.class, queue.claim(drone, now, TTL));
  }

  private Report fail(String drone, Claim.Claimed c, FailureClass failureClass, double random) {
    return queue.fail(drone, c.packageId(), c.token(), now, 100, "it broke", failureClass, RETRY, GroundingPolicy.OFF, random, "", TTL).report();
  }

  private String state(String id) {
    return queue.packageRecord(id).get("state");
  }

  /** The package is in exactly the indexes its state implies, and the counts agree. */
  private void assertConsistent(String id) {
    Map<String, String> rec = queue.packageRecord(id);
    String state = rec.get("state");
    String member = String.format("%012d", Long.parseLong(id));
    boolean ready = redis.getScoredSortedSet(keys.ready(), StringCodec.INSTANCE).contains(member);
    boolean leased = redis.getScoredSortedSet(keys.leases(), StringCodec.INSTANCE).contains(id);
    boolean delayed = redis.getScoredSortedSet(keys.delayed(), StringCodec.INSTANCE).contains(id);
    boolean active = id.equals(redis.getMap(keys.activeAtoms(), StringCodec.INSTANCE).get(rec.get("atom")));
    boolean ended = redis.getSet(keys.endedIn(state), StringCodec.INSTANCE).contains(id);
    String where = state + " ready=" + ready + " leased=" + leased + " delayed=" + delayed + " active=" + active + " ended=" + ended;
    switch (state) {
      case "queued" -> assertTrue(ready && !leased && !delayed && active && !ended, where);
      case "claimed", "building" -> assertTrue(!ready && leased && !delayed && active && !ended, where);
      case "delayed" -> assertTrue(!ready && !leased && delayed && active && !ended, where);
      case "blocked" -> assertTrue(!ready && !leased && !delayed && active && !ended, where);
      case "done", "failed", "cancelled" -> assertTrue(!ready && !leased && !delayed && !active && ended, where);
      default -> throw new AssertionError("unknown state " + state);
    }
    long total = queue.countsByState().values().stream().mapToLong(Long::longValue).sum();
    long records = redis.getKeys().getKeysStreamByPattern(keys.prefix() + "pkg:*").count();
    assertEquals(records, total, "state counts add up to the packages there are");
    long open = 0;
    for (String key : redis.getKeys().getKeysStreamByPattern(keys.prefix() + "pkg:*").toList()) {
      Map<String, String> p = redis.<String, String>getMap(key, StringCodec.INSTANCE).readAllMap();
      if (!List.of("done", "failed", "cancelled").contains(p.get("state"))) {
        open += Long.parseLong(p.getOrDefault("expected_ms", "0"));
      }
    }
    assertEquals(open, queue.openExpectedMs(), "the ETA's sum is the expected time of the packages not ended");
  }

  @Test
  void failThenSucceed() {
    String id = enqueue("=app-misc/a-1");
    Claim.Claimed first = claim("d1");
    queue.started("d1", id, first.token(), now, TTL).join();
    Report failed = fail("d1", first, FailureClass.TRANSIENT, 0.0);
    assertEquals("delayed", assertInstanceOf(Report.Accepted.class, failed).outcome());
    assertConsistent(id);
    assertInstanceOf(Claim.Empty.class, queue.claim("d2", now, TTL), "not before its backoff is over");

    now += 10_000;
    Claim.Claimed second = claim("d2");
    assertEquals(2, second.attempt());
    assertInstanceOf(Report.Accepted.class, queue.complete("d2", id, second.token(), now, 100, "", TTL).report());
    assertEquals("done", state(id));
    assertConsistent(id);
    assertEquals("=app-misc/a-1", queue.packageRecord(id).get("atom"), "the atom never changes");
  }

  @Test
  void lostThenSucceed() {
    String id = enqueue("=app-misc/a-1");
    Claim.Claimed first = claim("d1");
    queue.started("d1", id, first.token(), now, TTL).join();
    now += TTL.toMillis() + 1;
    assertEquals(1, queue.reapExpired(now, 100, 3));
    assertEquals("queued", state(id));
    assertConsistent(id);
    Claim.Claimed second = claim("d2");
    queue.complete("d2", id, second.token(), now, 100, "", TTL).report();
    assertEquals("done", state(id));
    assertEquals("0", queue.packageRecord(id).get("failures"), "a lost drone is not the package's failure");
    assertEquals("1", queue.packageRecord(id).get("losses"));
    assertConsistent(id);
  }

  @Test
  void failUntilMaxAttempts() {
    String id = enqueue("=app-misc/a-1");
    for (int attempt = 1; attempt <= 3; attempt++) {
      Claim.Claimed c = claim("d" + attempt);
      Report r = fail("d" + attempt, c, FailureClass.TRANSIENT, 0.3);
      assertEquals(attempt < 3 ? "delayed" : "failed", assertInstanceOf(Report.Accepted.class, r).outcome());
      assertConsistent(id);
      now += 60_000;
    }
    assertTrue(queue.packageRecord(id).get("reason").contains("gave up after 3 attempts"), queue.packageRecord(id).get("reason"));
    assertInstanceOf(Claim.Empty.class, queue.claim("d9", now, TTL));
  }

  @Test
  void aPermanentFailureIsNeverRetried() {
    String id = enqueue("=app-misc/a-1");
    Claim.Claimed c = claim("d1");
    assertEquals("failed", assertInstanceOf(Report.Accepted.class, fail("d1", c, FailureClass.PERMANENT, 0.1)).outcome());
    assertEquals("it broke", queue.packageRecord(id).get("reason"));
    assertConsistent(id);
    now += 3_600_000;
    assertInstanceOf(Claim.Empty.class, queue.claim("d2", now, TTL));
  }

  @Test
  void backoffDelaysFallInsideTheirBounds() {
    String id = enqueue("=app-misc/a-1");
    RetryPolicy policy = new RetryPolicy(10, Duration.ofSeconds(10), Duration.ofSeconds(25), 0.5);
    double[] randoms = {0.0, 0.999, 0.5, 0.25};
    for (int failure = 1; failure <= 4; failure++) {
      Claim.Claimed c = claim("d1");
      queue.fail("d1", id, c.token(), now, 1, "net", FailureClass.TRANSIENT, policy, GroundingPolicy.OFF, randoms[failure - 1], "", TTL).report();
      long waited = Long.parseLong(queue.packageRecord(id).get("ready_at")) - now;
      long longest = policy.delayAfter(failure).toMillis();
      assertTrue(
          waited <= longest && waited >= longest * (1 - policy.jitter()),
          "failure " + failure + " waits " + waited + " ms, outside [" + longest / 2 + ", " + longest + "]");
      now += longest;
    }
  }

  @Test
  void aRetriedPackagePrefersADifferentDrone() {
    String a = enqueue("=app-misc/a-1");
    String b = enqueue("=app-misc/b-1");
    Claim.Claimed c = claim("d1");
    assertEquals(a, c.packageId());
    fail("d1", c, FailureClass.TRANSIENT, 0.0);
    now += 10_000; // a is ready again, ahead of b
    assertEquals(b, claim("d1").packageId(), "d1 takes other work rather than what failed on it");
    assertEquals(a, claim("d2").packageId());
  }

  @Test
  void cancelWhileBuildingThenTheDronesVerdictIsRefused() {
    String id = enqueue("=app-misc/a-1");
    Claim.Claimed c = claim("d1");
    queue.started("d1", id, c.token(), now, TTL).join();
    Report.Cancelled cancelled = assertInstanceOf(Report.Cancelled.class, queue.cancel(id, now, "operator"));
    assertEquals("building", cancelled.previousState());
    assertEquals("d1", cancelled.drone());
    assertEquals(c.token(), cancelled.token());
    assertConsistent(id);
    assertInstanceOf(Report.Refused.class, queue.complete("d1", id, c.token(), now, 100, "", TTL).report());
    assertInstanceOf(Report.Refused.class, queue.renew("d1", id, c.token(), now, TTL));
    assertEquals("cancelled", state(id));
    assertInstanceOf(Report.Refused.class, queue.cancel(id, now, "again"));
  }

  @Test
  void retryAfterFailedResetsAttemptsAndBuildsAgain() {
    String id = enqueue("=app-misc/a-1");
    fail("d1", claim("d1"), FailureClass.PERMANENT, 0.0);
    assertEquals("queued", assertInstanceOf(Report.Accepted.class, queue.retry(id, now)).outcome());
    assertConsistent(id);
    Claim.Claimed again = claim("d1");
    assertEquals(1, again.attempt(), "attempts reset");
    queue.complete("d1", id, again.token(), now, 100, "", TTL).report();
    assertEquals("done", state(id));
    assertConsistent(id);
    assertInstanceOf(Report.Refused.class, queue.retry(id, now), "done packages are not retried");
  }

  @Test
  void pauseStopsClaimsAndResumeStartsThem() {
    enqueue("=app-misc/a-1");
    assertTrue(queue.setPaused(true, now));
    assertFalse(queue.setPaused(true, now));
    assertTrue(queue.paused());
    assertInstanceOf(Claim.Empty.class, queue.claim("d1", now, TTL));
    assertTrue(queue.setPaused(false, now));
    claim("d1");
  }

  @Test
  void removeAndClearForgetOnlyEndedPackages() {
    String running = enqueue("=app-misc/a-1");
    claim("d1");
    assertTrue(assertInstanceOf(Report.Refused.class, queue.remove(running, now)).reason().contains("cancel it first"));
    List<String> done = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = enqueue("=app-misc/done" + i + "-1");
      Claim.Claimed c = claim("d1");
      queue.complete("d1", id, c.token(), now, 1, "", TTL).report();
      done.add(id);
    }
    assertInstanceOf(Report.Accepted.class, queue.remove(done.get(0), now));
    assertTrue(queue.packageRecord(done.get(0)).isEmpty());
    assertEquals(4, queue.clear("done", now, 1000));
    assertEquals(0L, queue.countsByState().get("done"));
    assertThrows(IllegalArgumentException.class, () -> queue.clear("queued", now, 10));
    assertConsistent(running);
  }

  @Test
  void aDependentIsNeverClaimedBeforeItsDependencyIsDone() {
    String lib = enqueue("=dev-libs/lib-1");
    String app = enqueue("=app-misc/app-1", "=dev-libs/lib-1");
    assertEquals("blocked", state(app));
    assertConsistent(app);
    Claim.Claimed c = claim("d1");
    assertEquals(lib, c.packageId());
    assertInstanceOf(Claim.Empty.class, queue.claim("d2", now, TTL), "app waits while lib builds");
    queue.complete("d1", lib, c.token(), now, 100, "", TTL).report();
    assertEquals("queued", state(app));
    assertConsistent(app);
    assertEquals(app, claim("d2").packageId());
  }

  @Test
  void aFailedDependencyFailsItsDependentsWithTheReason() {
    enqueue("=dev-libs/lib-1");
    String mid = enqueue("=dev-libs/mid-1", "=dev-libs/lib-1");
    String top = enqueue("=app-misc/top-1", "=dev-libs/mid-1");
    fail("d1", claim("d1"), FailureClass.PERMANENT, 0.0);
    assertEquals("failed", state(mid));
    assertEquals("dependency =dev-libs/lib-1 failed: it broke", queue.packageRecord(mid).get("reason"));
    assertEquals("failed", state(top));
    assertEquals("dependency =dev-libs/mid-1 failed", queue.packageRecord(top).get("reason"));
    assertConsistent(mid);
    assertConsistent(top);
    // Retrying the dependent alone is refused until its dependency is retried.
    assertTrue(assertInstanceOf(Report.Refused.class, queue.retry(top, now)).reason().contains("retry it or queue it again first"));
  }

  @Test
  void aRetriedDependentWaitsForItsDependencyQueuedAgain() {
    String lib = enqueue("=dev-libs/lib-1");
    String app = enqueue("=app-misc/app-1", "=dev-libs/lib-1");
    assertInstanceOf(Report.Cancelled.class, queue.cancel(lib, now, "wrong version"));
    assertEquals("failed", state(app));
    // The operator queues the dependency again (a new package) and retries the dependent.
    String lib2 = enqueue("=dev-libs/lib-1");
    assertEquals("blocked", assertInstanceOf(Report.Accepted.class, queue.retry(app, now)).outcome());
    assertConsistent(app);
    Claim.Claimed c = claim("d1");
    assertEquals(lib2, c.packageId(), "the dependent still waits");
    queue.complete("d1", lib2, c.token(), now, 10, "", TTL);
    assertEquals("queued", state(app));
    assertConsistent(app);
  }

  @Test
  void aRetriedDependentWhoseDependencyWasRemovedIsRefusedNotReleased() {
    String lib = enqueue("=dev-libs/lib-1");
    String app = enqueue("=app-misc/app-1", "=dev-libs/lib-1");
    fail("d1", claim("d1"), FailureClass.PERMANENT, 0.0);
    assertInstanceOf(Report.Accepted.class, queue.remove(lib, now));
    Report refused = queue.retry(app, now);
    assertTrue(assertInstanceOf(Report.Refused.class, refused).reason().contains("=dev-libs/lib-1 is removed"), refused.toString());
    assertEquals("failed", state(app), "nothing changed");
  }

  @Test
  void aDependencyBuiltAlreadyIsMet() {
    String lib = enqueue("=dev-libs/lib-1");
    queue.complete("d1", lib, claim("d1").token(), now, 10, "", TTL);
    String app = enqueue("=app-misc/app-1", "=dev-libs/lib-1");
    assertEquals("queued", state(app));
    assertConsistent(app);
  }

  @Test
  void aLateVerdictAfterThePoisonPillIsRefused() {
    String id = enqueue("=app-misc/a-1");
    Claim.Claimed last = null;
    for (int loss = 1; loss <= 3; loss++) {
      last = claim("d1");
      queue.started("d1", id, last.token(), now, TTL).join();
      now += TTL.toMillis() + 1;
      queue.reapExpired(now, 100, 3);
    }
    assertEquals("failed", state(id));
    assertInstanceOf(Report.Refused.class, queue.complete("d1", id, last.token(), now, 10, "d1", TTL).report());
    assertEquals("failed", state(id));
  }

  @Test
  void anUnknownDependencyQueuesNothing() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                queue.enqueue(
                    List.of(
                        new QueuedAtom(Atom.parse("=app-misc/a-1"), List.of()),
                        new QueuedAtom(Atom.parse("=app-misc/b-1"), List.of(Atom.parse("=dev-libs/nowhere-1")))),
                    0,
                    now,
                    Duration.ofMinutes(10)));
    assertTrue(e.getMessage().contains("=dev-libs/nowhere-1"), e.getMessage());
    assertTrue(queue.countsByState().values().stream().allMatch(n -> n == 0), "nothing queued");
  }

  @Test
  void theLongestExpectedBuildIsClaimedFirstAtEqualPriority() {
    redis.getMap(keys.history(), StringCodec.INSTANCE).put("sys-devel/gcc", String.valueOf(3_600_000));
    redis.getMap(keys.history(), StringCodec.INSTANCE).put("app-misc/tiny", String.valueOf(5_000));
    enqueue("=app-misc/tiny-1");
    enqueue("=app-misc/unknown-1"); // the default estimate: 10 minutes
    enqueue("=sys-devel/gcc-13.2.1");
    assertEquals("=sys-devel/gcc-13.2.1", claim("d1").atom());
    assertEquals("=app-misc/unknown-1", claim("d1").atom());
    assertEquals("=app-misc/tiny-1", claim("d1").atom());
  }

  @Test
  void completedBuildsTeachTheExpectedDuration() {
    String id = enqueue("=app-misc/a-1");
    queue.complete("d1", id, claim("d1").token(), now, 100_000, "", TTL).report();
    assertArrayEquals(new long[] {100_000, 1}, queue.history().get("app-misc/a"), "mean, builds");
    String again = enqueue("=app-misc/a-2");
    queue.complete("d1", again, claim("d1").token(), now, 200_000, "", TTL).report();
    assertArrayEquals(new long[] {130_000, 2}, queue.history().get("app-misc/a"), "0.7 old + 0.3 new");
  }

  @Test
  void historyOfAnEarlierVersionIsReadAndCarriedOn() {
    // Before the fourth session the mean and the count were kept in two hashes.
    redis.getMap(keys.history(), StringCodec.INSTANCE).put("app-misc/old", "100000");
    redis.getMap(keys.historyCount(), StringCodec.INSTANCE).put("app-misc/old", "4");
    assertArrayEquals(new long[] {100_000, 4}, queue.history().get("app-misc/old"));
    String id = enqueue("=app-misc/old-2");
    assertEquals("100000", queue.packageRecord(id).get("expected_ms"), "the old mean is the estimate");
    queue.complete("d1", id, claim("d1").token(), now, 200_000, "", TTL).report();
    assertArrayEquals(new long[] {130_000, 5}, queue.history().get("app-misc/old"), "the count goes on from 4");
  }

  @Test
  void aVerdictCanClaimTheDronesNextPackageInTheSameStep() {
    String a = enqueue("=app-misc/a-1");
    String b = enqueue("=app-misc/b-1");
    Claim.Claimed first = claim("d1");
    Verdict verdict = queue.complete("d1", a, first.token(), now, 10, "d1", TTL);
    assertInstanceOf(Report.Accepted.class, verdict.report());
    Claim.Claimed next = assertInstanceOf(Claim.Claimed.class, verdict.next());
    assertEquals(b, next.packageId());
    assertTrue(next.token() > first.token());
    assertEquals("claimed", state(b));
    assertConsistent(a);
    assertConsistent(b);
    // The same verdict sent again claims nothing more and changes nothing.
    Verdict again = queue.complete("d1", a, first.token(), now, 10, "d1", TTL);
    assertInstanceOf(Claim.Empty.class, again.next());
    assertEquals("claimed", state(b));
    assertEquals(1L, queue.countsByState().get("claimed"));
  }

  @Test
  void eventsReadWithACursorComeInOrderWithoutGapsOrRepeats() {
    for (int i = 0; i < 20; i++) {
      String id = enqueue("=app-misc/p" + i + "-1");
      queue.complete("d1", id, claim("d1").token(), now, 1, "", TTL).report();
    }
    List<SwarmEvent> all = queue.events("", 10_000);
    assertEquals(80, all.size(), "queued, claimed, building (recorded by the verdict), done for each");
    List<SwarmEvent> paged = new ArrayList<>();
    String cursor = "";
    List<SwarmEvent> page;
    while (!(page = queue.events(cursor, 7)).isEmpty()) {
      paged.addAll(page);
      cursor = page.get(page.size() - 1).id();
    }
    assertEquals(all, paged);
    assertEquals("queued", all.get(0).fields().get("type"));
    assertThrows(IllegalArgumentException.class, () -> queue.events("not-a-cursor", 5));
  }

  @Test
  void aBuildDoneAndTheNextClaimOfItsDroneReadAsTwoEventsInOrder() {
    String a = enqueue("=app-misc/a-1");
    String b = enqueue("=app-misc/b-1");
    Claim.Claimed first = claim("d1");
    queue.started("d1", first.packageId(), first.token(), now, TTL).join();
    Claim.Claimed next = assertInstanceOf(Claim.Claimed.class, queue.complete("d1", first.packageId(), first.token(), now, 5, "d1", TTL).next());
    List<SwarmEvent> all = queue.events("", 100);
    List<String> types = all.stream().map(e -> e.fields().get("type") + ":" + e.fields().get("id")).toList();
    assertEquals(List.of("queued:" + a, "queued:" + b, "claimed:" + first.packageId(), "building:" + first.packageId(),
        "done:" + first.packageId(), "claimed:" + next.packageId()), types);
    Map<String, String> claimed = all.get(5).fields();
    assertEquals(Map.of("type", "claimed", "id", next.packageId(), "atom", next.atom(), "drone", "d1",
        "token", String.valueOf(next.token()), "attempt", String.valueOf(next.attempt()), "ts", String.valueOf(now)), claimed);
    assertFalse(all.get(4).fields().containsKey("next_id"), "the done event holds only its own fields");
    // Written as one entry: the same cursor, and a page never ends between the two.
    assertEquals(all.get(4).id(), all.get(5).id());
    assertEquals(all.subList(4, 6), queue.events(all.get(3).id(), 1));
    assertEquals(List.of("queued", "claimed"), queue.recentEventsOf(next.packageId(), 100).stream()
        .map(e -> e.fields().get("type")).toList());
    assertEquals(List.of("queued", "claimed", "building", "done"), queue.recentEventsOf(first.packageId(), 100).stream()
        .map(e -> e.fields().get("type")).toList());
  }
}

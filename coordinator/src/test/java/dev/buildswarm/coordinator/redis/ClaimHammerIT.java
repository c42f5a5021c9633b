package dev.buildswarm.coordinator.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * 32 claimers, each on a connection of its own, over 20,000 packages with random outcomes
 * (success, transient failure, permanent failure, a drone that dies holding the package), with a
 * reaper running beside them as on a coordinator. At no time is a package held by two claimers; at
 * the end every package is in exactly one terminal state and the counts add up (lessons 2 and 3).
 * Run twice: each claimer with a coordinator of its own, and all of them through one coordinator
 * whose successful builds claim the drone's next package and go to Redis grouped (several
 * verdicts per complete.lua call), some of them sent twice.
 */
@RealRedis
class ClaimHammerIT {
  private static final int CLAIMERS = 32;
  private static final int PACKAGES = 20_000;
  private static final Duration TTL = Duration.ofMillis(300);
  private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5);

  @ParameterizedTest(name = "one coordinator for all claimers: {0}")
  @ValueSource(booleans = {false, true})
  void manyClaimersNeverShareAPackageAndLoseNone(boolean oneCoordinator, RedisEndpoint endpoint) throws Exception {
    RedisKeys keys = new RedisKeys(endpoint.swarm() + "-hammer-" + oneCoordinator);
    RedissonClient setup = RedisConnection.open(endpoint.url());
    RedisJobQueue queue = new RedisJobQueue(setup, keys, new LuaScripts(setup));
    List<QueuedAtom> atoms = new ArrayList<>(PACKAGES);
    for (int i = 0; i < PACKAGES; i++) {
      atoms.add(new QueuedAtom(Atom.parse("=app-misc/p" + i + "-1.0"), List.of()));
    }
    for (int from = 0; from < PACKAGES; from += 5_000) {
      queue.enqueue(atoms.subList(from, from + 5_000), 0, System.currentTimeMillis(), Duration.ofMinutes(1));
    }

    // package id -> {claimer, when its lease was last granted (ms)}
    Map<String, Hold> holder = new ConcurrentHashMap<>();
    AtomicInteger doubleHolds = new AtomicInteger();
    AtomicInteger takenAfterExpiry = new AtomicInteger();
    AtomicInteger claims = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    List<RedissonClient> connections = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(CLAIMERS + 1);
    CountDownLatch go = new CountDownLatch(1);

    Future<?> reaper =
        pool.submit(
            () -> {
              RedissonClient own = RedisConnection.open(endpoint.url());
              RedisJobQueue coordinator = new RedisJobQueue(own, keys, new LuaScripts(own));
              try {
                go.await();
                while (running.get()) {
                  coordinator.reapExpired(System.currentTimeMillis(), 500, 3);
                  Thread.sleep(20);
                }
              } finally {
                own.shutdown();
              }
              return null;
            });

    List<Future<?>> workers = new ArrayList<>();
    AtomicInteger duplicatesAccepted = new AtomicInteger();
    RedissonClient shared = oneCoordinator ? RedisConnection.open(endpoint.url()) : null;
    RedisJobQueue sharedQueue = oneCoordinator ? new RedisJobQueue(shared, keys, new LuaScripts(shared)) : null;
    if (shared != null) {
      connections.add(shared);
    }
    for (int c = 0; c < CLAIMERS; c++) {
      String drone = "drone-" + c;
      RedisJobQueue mine;
      if (oneCoordinator) {
        mine = sharedQueue;
      } else {
        RedissonClient own = RedisConnection.open(endpoint.url());
        connections.add(own);
        mine = new RedisJobQueue(own, keys, new LuaScripts(own));
      }
      Random random = new Random(c);
      workers.add(
          pool.submit(
              () -> {
                go.await();
                int idle = 0;
                Claim carried = null;
                long carriedAt = 0;
                while (idle < 200) {
                  long grantedAt = carried instanceof Claim.Claimed ? carriedAt : System.currentTimeMillis();
                  Claim claim = carried instanceof Claim.Claimed ? carried : mine.claim(drone, grantedAt, TTL);
                  carried = null;
                  if (!(claim instanceof Claim.Claimed claimed)) {
                    idle++;
                    Thread.sleep(5); // delayed packages and expiring leases come back
                    continue;
                  }
                  idle = 0;
                  claims.incrementAndGet();
                  String id = claimed.packageId();
                  Hold mineHold = new Hold(drone, grantedAt);
                  Hold before = holder.put(id, mineHold);
                  if (before != null) {
                    // A claimer descheduled past its lease (300 ms, on a loaded machine) loses it to
                    // the reaper, and its package to the next claimer: that is the lease working
                    // (whichever of the two notes its hold here first). Two holders whose leases
                    // both run, the older one too, is the bug this test looks for.
                    long older = Math.min(before.grantedMs(), grantedAt);
                    if (System.currentTimeMillis() - older < TTL.toMillis()) {
                      doubleHolds.incrementAndGet();
                    } else {
                      takenAfterExpiry.incrementAndGet();
                    }
                  }
                  long now = System.currentTimeMillis();
                  mine.started(drone, id, claimed.token(), now, TTL).join();
                  Hold held = new Hold(drone, now);
                  holder.replace(id, mineHold, held);
                  int roll = random.nextInt(100);
                  // Forget the hold before reporting: once reported, another claimer may take it.
                  holder.remove(id, held);
                  if (roll < 70 && oneCoordinator) {
                    Verdict verdict = mine.complete(drone, id, claimed.token(), now, 10, drone, TTL);
                    carried = verdict.next();
                    carriedAt = now;
                    if (roll < 5) {
                      // Sent again, as a drone does when the answer was lost: the first stands.
                      Report again = mine.complete(drone, id, claimed.token(), now, 10, "", TTL).report();
                      if (again instanceof Report.Accepted a && a.outcome().equals("duplicate")) {
                        duplicatesAccepted.incrementAndGet();
                      }
                    }
                  } else if (roll < 70) {
                    mine.complete(drone, id, claimed.token(), now, 10, "", TTL).report();
                  } else if (roll < 85) {
                    mine.fail(drone, id, claimed.token(), now, 10, "net", FailureClass.TRANSIENT, RETRY, GroundingPolicy.OFF, random.nextDouble(), "", TTL).report();
                  } else if (roll < 95) {
                    mine.fail(drone, id, claimed.token(), now, 10, "error", FailureClass.PERMANENT, RETRY, GroundingPolicy.OFF, random.nextDouble(), "", TTL).report();
                  }
                  // else: the drone "dies" holding it; the reaper brings it back after the TTL.
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> worker : workers) {
      worker.get(10, TimeUnit.MINUTES);
    }
    running.set(false);
    reaper.get(1, TimeUnit.MINUTES);
    pool.shutdown();
    connections.forEach(RedissonClient::shutdown);

    Map<String, Long> counts = queue.countsByState();
    long done = counts.getOrDefault("done", 0L);
    long failed = counts.getOrDefault("failed", 0L);
    assertEquals(0, doubleHolds.get(), "no package was held by two claimers at once (" + takenAfterExpiry.get()
        + " taken over after their lease expired)");
    assertEquals(PACKAGES, done + failed, "every package ended: " + counts);
    for (String state : List.of("queued", "claimed", "building", "delayed", "blocked", "cancelled")) {
      assertEquals(0L, counts.getOrDefault(state, 0L), state + " left over: " + counts);
    }
    assertEquals(done, setup.getSet(keys.endedIn("done"), StringCodec.INSTANCE).size());
    assertEquals(failed, setup.getSet(keys.endedIn("failed"), StringCodec.INSTANCE).size());
    assertEquals(0, setup.getScoredSortedSet(keys.ready(), StringCodec.INSTANCE).size());
    assertEquals(0, setup.getScoredSortedSet(keys.leases(), StringCodec.INSTANCE).size());
    assertEquals(0, setup.getScoredSortedSet(keys.delayed(), StringCodec.INSTANCE).size());
    assertEquals(0, setup.getMap(keys.activeAtoms(), StringCodec.INSTANCE).size());
    assertTrue(claims.get() > PACKAGES, "retries and losses made more claims than packages: " + claims.get());
    assertEquals(
        String.valueOf(claims.get()),
        setup.getBucket(keys.fencingTokens(), StringCodec.INSTANCE).get(),
        "one fencing token per claim");
    assertEquals(
        done,
        queue.history().values().stream().mapToLong(h -> h[1]).sum(),
        "one history entry per build done");
    assertEquals(0L, queue.openExpectedMs(), "no work left open");
    if (oneCoordinator) {
      assertTrue(duplicatesAccepted.get() > 0, "verdicts sent twice were answered as duplicates");
    }
    setup.shutdown();
  }

  /** Who holds a package in the test's own view, and since when its lease runs. */
  private record Hold(String claimer, long grantedMs) {}
}

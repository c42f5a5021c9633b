package dev.buildswarm.dashboard.feed;

import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;

/**
 * Reads one merged view of the swarm from Redis: every drone's own bucket (never a shared
 * all-drones object: lesson 4), the counts the scripts keep, the event stream by cursor, and the
 * few package records the page shows (running builds, the newest failures). Work that grows with
 * the queue (the estimate over every unfinished package, the failed list) runs every {@code
 * slowEvery}, not on every read, and reads only records it has not seen. It never writes.
 *
 * <p>Holds caches and chart history; none of it matters: a new reader rebuilds it all. Not
 * thread-safe: confined to the feed's thread.
 */
public final class SnapshotReader {
  static final int FAILED_SHOWN = 30;
  static final int LOG_TAIL_LINES = 12;
  /** Package records the estimate reads per slow step, at most (one Redis batch). */
  static final int NEW_RECORDS_PER_STEP = 5_000;
  private static final List<String> STATES =
      List.of("blocked", "queued", "delayed", "claimed", "building", "done", "failed", "cancelled");

  private final RedissonClient redis;
  private final RedisKeys keys;
  private final SwarmReader swarmReader;
  private final Clock clock;
  private final long staleAfterMs;
  private final long slowEveryMs;
  private final EventTail events;
  private final UtilisationHistory utilisation;

  private final Map<String, SwarmSnapshot.Build> running = new HashMap<>(); // id -> details, started ones
  private final Map<String, Long> expectedById = new HashMap<>(); // ids of unfinished packages
  private final Map<String, SwarmSnapshot.FailedPackage> failedById = new HashMap<>();
  private long remainingWorkMs = -1;
  private long lastSlowMs = 0;
  private boolean failedSeeded;

  public SnapshotReader(
      RedissonClient redis, RedisKeys keys, Clock clock, long staleAfterMs, Duration slowEvery, Duration utilisationStep) {
    this.redis = redis;
    this.keys = keys;
    this.swarmReader = new SwarmReader(redis, keys);
    this.clock = clock;
    this.staleAfterMs = staleAfterMs;
    this.slowEveryMs = slowEvery.toMillis();
    this.events = new EventTail(redis, keys);
    this.utilisation = new UtilisationHistory(utilisationStep.toMillis());
  }

  public SwarmSnapshot read() {
    long now = clock.millis();
    Map<String, Long> packages = new TreeMap<>();
    for (String state : STATES) {
      packages.put(state, 0L);
    }
    swarmReader.packageCounts().forEach((state, n) -> packages.merge(state, n, Long::sum));
    boolean paused = redis.getBucket(keys.paused()).isExists();
    List<DroneBucket> buckets = swarmReader.drones(now, staleAfterMs);
    events.read(now);

    Map<String, SwarmSnapshot.Build> builds = runningBuilds(buckets);
    List<SwarmSnapshot.Drone> drones = new ArrayList<>(buckets.size());
    long active = 0, idle = 0, grounded = 0, offline = 0, coresActive = 0, slots = 0;
    Map<String, Double> busy = new HashMap<>();
    List<String> names = new ArrayList<>(buckets.size());
    for (DroneBucket b : buckets) {
      List<SwarmSnapshot.Build> onDrone = new ArrayList<>(b.running().size());
      for (String entry : b.running()) {
        onDrone.add(builds.get(idOf(entry)));
      }
      drones.add(
          new SwarmSnapshot.Drone(
              b.name(), b.host(), b.state(), b.groundedReason(), b.draining(), b.cores(), b.slots(),
              b.speedFactor(), onDrone, b.version(), b.lastHeartbeatMs(), b.loadAverage(),
              b.freeDiskBytes(), b.memoryAvailableBytes(), b.built(), b.failed(), b.coordinator(),
              b.capabilities()));
      names.add(b.name());
      boolean online = !b.state().equals(DroneBucket.OFFLINE);
      if (online) {
        busy.put(b.name(), b.slots() > 0 ? (double) b.running().size() / b.slots() : 0.0);
      }
      if (b.grounded()) {
        grounded++;
      } else if (b.state().equals(DroneBucket.BUILDING)) {
        active++;
      } else if (b.state().equals(DroneBucket.IDLE)) {
        idle++;
      } else {
        offline++;
      }
      if (online && b.state().equals(DroneBucket.BUILDING)) {
        coresActive += b.cores();
      }
      if (online && !b.grounded() && !b.draining()) {
        slots += b.slots();
      }
    }
    utilisation.sample(now, busy, names);

    if (now - lastSlowMs >= slowEveryMs) {
      lastSlowMs = now;
      readRemainingWork(now);
      readFailed();
    } else {
      refreshTouchedFailures();
    }

    long queued = STATES.subList(0, 5).stream().mapToLong(packages::get).sum();
    long ended = packages.get("done") + packages.get("failed") + packages.get("cancelled");
    String state = overallState(packages, active + idle, paused);
    String header =
        "Queue: " + queued + " packages · Drones: " + active + " active, " + idle + " idle, " + grounded
            + " grounded · Cores: " + coresActive + " active · " + state;
    long eta = remainingWorkMs >= 0 && slots > 0 ? remainingWorkMs / slots : (remainingWorkMs == 0 ? 0 : -1);
    List<SwarmSnapshot.FailedPackage> newestFailed =
        failedById.values().stream()
            .sorted(Comparator.comparingLong(SwarmSnapshot.FailedPackage::finishedMs).reversed()
                .thenComparing(SwarmSnapshot.FailedPackage::id))
            .limit(FAILED_SHOWN)
            .toList();
    return new SwarmSnapshot(
        "snapshot", 0, now, keys.swarm(),
        new SwarmSnapshot.Summary(header, queued, active, idle, grounded, offline, coresActive, state),
        packages,
        new SwarmSnapshot.Queue(queued + ended, ended, remainingWorkMs, slots, eta),
        drones,
        new SwarmSnapshot.Failed(packages.get("failed"), newestFailed),
        events.newest(),
        events.throughput(now),
        utilisation.view());
  }

  /** As {@code swarm status} says it (SwarmStatus.overallState in the coordinator), plus PAUSED. */
  static String overallState(Map<String, Long> packages, long dronesOnline, boolean paused) {
    if (paused) {
      return "PAUSED";
    }
    long active = packages.getOrDefault("claimed", 0L) + packages.getOrDefault("building", 0L);
    long waiting =
        packages.getOrDefault("queued", 0L) + packages.getOrDefault("delayed", 0L) + packages.getOrDefault("blocked", 0L);
    if (active > 0) {
      return "BUILDING";
    }
    if (waiting > 0) {
      return dronesOnline > 0 ? "BUILDING" : "WAITING";
    }
    return packages.getOrDefault("done", 0L) + packages.getOrDefault("failed", 0L) > 0 ? "FINISHED" : "IDLE";
  }

  /** A running entry is {@code id=atom}. */
  private static String idOf(String entry) {
    int eq = entry.indexOf('=');
    return eq > 0 ? entry.substring(0, eq) : entry;
  }

  private static String atomOf(String entry) {
    int eq = entry.indexOf('=');
    return eq > 0 ? entry.substring(eq + 1) : "";
  }

  /**
   * Start time and expected duration of every running build, in one batch for those not known yet
   * (a build's start is read once it has started; it does not change after).
   */
  private Map<String, SwarmSnapshot.Build> runningBuilds(List<DroneBucket> buckets) {
    Map<String, String> entries = new LinkedHashMap<>();
    for (DroneBucket b : buckets) {
      for (String entry : b.running()) {
        entries.put(idOf(entry), atomOf(entry));
      }
    }
    running.keySet().retainAll(entries.keySet());
    List<String> unknown = entries.keySet().stream().filter(id -> !running.containsKey(id)).toList();
    Map<String, SwarmSnapshot.Build> out = new HashMap<>(running);
    if (!unknown.isEmpty()) {
      RBatch batch = redis.createBatch();
      List<RFuture<Map<String, String>>> reads = new ArrayList<>(unknown.size());
      for (String id : unknown) {
        reads.add(batch.<String, String>getMap(keys.pkg(id)).getAllAsync(Set.of("started_ms", "expected_ms", "state")));
      }
      batch.execute();
      for (int i = 0; i < unknown.size(); i++) {
        String id = unknown.get(i);
        Map<String, String> rec = reads.get(i).toCompletableFuture().join();
        long started = "building".equals(rec.get("state")) ? parseLong(rec.get("started_ms")) : 0;
        SwarmSnapshot.Build build = new SwarmSnapshot.Build(id, entries.get(id), started, parseLong(rec.get("expected_ms")));
        out.put(id, build);
        if (started > 0) {
          running.put(id, build);
        }
      }
    }
    return out;
  }

  /**
   * The expected build time left: the sum of the expected durations of every unfinished package
   * (a package's expected duration is fixed when it is queued, so each is read once), less what
   * the running builds have done already.
   */
  private void readRemainingWork(long now) {
    Collection<String> ids = redis.<String, String>getMap(keys.activeAtoms()).readAllValues();
    Set<String> current = new HashSet<>(ids);
    expectedById.keySet().retainAll(current);
    List<String> unknown = current.stream().filter(id -> !expectedById.containsKey(id)).toList();
    // At most one batch of new records per step: the feed's thread reads them, and a dashboard
    // started beside a queue of 100,000 froze every page for about 5 s on reading them all at once
    // (bench/run-scale-bench). The rest are read in the next steps and counted meanwhile at the
    // mean of those read.
    List<String> chunk = unknown.subList(0, Math.min(unknown.size(), NEW_RECORDS_PER_STEP));
    RBatch batch = redis.createBatch();
    List<RFuture<String>> reads = new ArrayList<>(chunk.size());
    for (String id : chunk) {
      reads.add(batch.<String, String>getMap(keys.pkg(id)).getAsync("expected_ms"));
    }
    if (!chunk.isEmpty()) {
      batch.execute();
    }
    for (int i = 0; i < chunk.size(); i++) {
      expectedById.put(chunk.get(i), parseLong(reads.get(i).toCompletableFuture().join()));
    }
    long sum = 0;
    for (long expected : expectedById.values()) {
      sum += expected;
    }
    long notYetRead = unknown.size() - chunk.size();
    if (notYetRead > 0 && !expectedById.isEmpty()) {
      sum += notYetRead * (sum / expectedById.size());
    }
    for (SwarmSnapshot.Build build : running.values()) {
      if (expectedById.containsKey(build.id()) && build.startedMs() > 0) {
        sum -= Math.min(build.expectedMs(), Math.max(0, now - build.startedMs()));
      }
    }
    remainingWorkMs = Math.max(0, sum);
  }

  /**
   * The failed list: seeded from the set of failed packages (a sample of 5,000 when it is larger),
   * then kept current from the event stream (a failure adds a package, a retry or removal takes it
   * away) and re-counted every slow step.
   */
  private void readFailed() {
    String failedSet = keys.endedIn("failed");
    if (!failedSeeded) {
      long failedTotal = redis.getSet(failedSet).size();
      failedSeeded = true;
      events.drainTouchedPackages();
      Collection<String> ids =
          failedTotal <= 5_000
              ? redis.<String>getSet(failedSet).readAll()
              : redis.<String>getSet(failedSet).random(5_000);
      loadFailed(ids);
      trimFailed();
      return;
    }
    refreshTouchedFailures();
  }

  private void refreshTouchedFailures() {
    List<String> touched = events.drainTouchedPackages();
    if (touched.isEmpty()) {
      return;
    }
    if (touched.contains("*")) {
      failedSeeded = false;
      failedById.clear();
      lastSlowMs = 0;
      return;
    }
    loadFailed(touched);
    trimFailed();
  }

  /** Reads each package's record: failed ones are kept (with their log tails), others dropped. */
  private void loadFailed(Collection<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    List<String> list = List.copyOf(ids);
    RBatch batch = redis.createBatch();
    List<RFuture<Map<String, String>>> recs = new ArrayList<>(list.size());
    for (String id : list) {
      recs.add(
          batch.<String, String>getMap(keys.pkg(id))
              .getAllAsync(new HashSet<>(Arrays.asList("state", "atom", "reason", "drone", "last_class", "finished_ms"))));
    }
    batch.execute();
    List<String> needLogs = new ArrayList<>();
    Map<String, Map<String, String>> failedRecs = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      String id = list.get(i);
      Map<String, String> rec = recs.get(i).toCompletableFuture().join();
      if ("failed".equals(rec.get("state"))) {
        failedRecs.put(id, rec);
        needLogs.add(id);
      } else {
        failedById.remove(id);
      }
    }
    // Log tails only for those that can be shown: the newest few.
    needLogs.sort(Comparator.comparingLong((String id) -> parseLong(failedRecs.get(id).get("finished_ms"))).reversed());
    List<String> withLogs = needLogs.subList(0, Math.min(FAILED_SHOWN, needLogs.size()));
    RBatch logBatch = redis.createBatch();
    Map<String, RFuture<List<String>>> logs = new HashMap<>();
    for (String id : withLogs) {
      // The log of the attempt that failed: the package's last.
      int attempt = (int) Math.max(1, parseLong(failedRecs.get(id).get("attempt")));
      logs.put(id, logBatch.<String>getList(keys.log(id, attempt)).rangeAsync(-4, -1));
    }
    if (!withLogs.isEmpty()) {
      logBatch.execute();
    }
    for (String id : needLogs) {
      Map<String, String> rec = failedRecs.get(id);
      List<String> tail = logs.containsKey(id) ? lastLines(logs.get(id).toCompletableFuture().join()) : List.of();
      failedById.put(
          id,
          new SwarmSnapshot.FailedPackage(
              id, rec.getOrDefault("atom", ""), rec.getOrDefault("reason", ""), rec.getOrDefault("drone", ""),
              rec.getOrDefault("last_class", ""), parseLong(rec.get("finished_ms")), tail));
    }
  }

  /** Keeps the shown ones and a margin, so memory does not grow with the failures. */
  private void trimFailed() {
    if (failedById.size() <= FAILED_SHOWN * 4) {
      return;
    }
    List<String> keep =
        failedById.values().stream()
            .sorted(Comparator.comparingLong(SwarmSnapshot.FailedPackage::finishedMs).reversed())
            .limit(FAILED_SHOWN * 2L)
            .map(SwarmSnapshot.FailedPackage::id)
            .toList();
    failedById.keySet().retainAll(new HashSet<>(keep));
  }

  /** The last lines of the last log chunks (a chunk may hold many lines). */
  static List<String> lastLines(List<String> chunks) {
    List<String> lines = new ArrayList<>(List.of(String.join("", chunks).split("\n", -1)));
    while (!lines.isEmpty() && lines.getLast().isEmpty()) {
      lines.removeLast();
    }
    return List.copyOf(lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
  }

  private static long parseLong(String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

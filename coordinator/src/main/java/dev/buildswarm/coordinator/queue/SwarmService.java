package dev.buildswarm.coordinator.queue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DependencyOrder;
import dev.buildswarm.coordinator.domain.EmergeLog;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.PackageState;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.domain.Verdict;
import dev.buildswarm.redis.DroneBucket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one service layer. Every entry point calls these methods, so validation, limits and wake-ups
 * apply the same everywhere (lesson 6). Thread-safe: it holds no mutable state of its own; all state
 * is in the {@link JobQueue} and {@link DroneBuckets}.
 */
public final class SwarmService {
  /** Bounds the score arithmetic in the queue (priority times 10^10 must stay an exact double). */
  public static final int MAX_PRIORITY = 100_000;
  public static final int MAX_ATOMS_PER_ENQUEUE = 10_000;
  public static final int MAX_LOG_CHUNK_CHARS = 64 * 1024;
  public static final int MAX_REASON_CHARS = 4096;
  private static final int REAP_BATCH = 500;

  private final JobQueue queue;
  private final DroneBuckets buckets;
  private final WorkSignal localWork;
  private final WorkBroadcast broadcast;
  private final BuildStopper stopper;
  private final Clock clock;
  private final CoordinatorSettings settings;

  public SwarmService(
      JobQueue queue,
      DroneBuckets buckets,
      WorkSignal localWork,
      WorkBroadcast broadcast,
      BuildStopper stopper,
      Clock clock,
      CoordinatorSettings settings) {
    this.stopper = stopper;
    this.queue = queue;
    this.buckets = buckets;
    this.localWork = localWork;
    this.broadcast = broadcast;
    this.clock = clock;
    this.settings = settings;
  }

  public CoordinatorSettings settings() {
    return settings;
  }

  /** Queues atoms with no dependencies; see {@link #enqueueItems}. */
  public List<EnqueueOutcome> enqueue(List<String> atomTexts, int priority) {
    return enqueueItems(atomTexts.stream().map(EnqueueItem::of).toList(), priority);
  }

  /**
   * Queues atoms all-or-nothing: every atom and dependency is validated, the request is ordered
   * (dependencies first, cycles refused), and if anything is wrong nothing is queued.
   *
   * @throws IllegalArgumentException (an {@link dev.buildswarm.atom.InvalidAtomException} for a bad
   *     atom) naming the input; nothing was queued
   */
  public List<EnqueueOutcome> enqueueItems(List<EnqueueItem> items, int priority) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("no atoms given");
    }
    if (items.size() > MAX_ATOMS_PER_ENQUEUE) {
      throw new IllegalArgumentException(
          items.size() + " atoms in one request; the limit is " + MAX_ATOMS_PER_ENQUEUE);
    }
    if (Math.abs(priority) > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "priority " + priority + " is out of range -" + MAX_PRIORITY + " to " + MAX_PRIORITY);
    }
    List<QueuedAtom> parsed = new ArrayList<>(items.size());
    for (EnqueueItem item : items) {
      List<Atom> after = new ArrayList<>(item.after().size());
      for (String dep : item.after()) {
        after.add(Atom.parse(dep));
      }
      parsed.add(new QueuedAtom(Atom.parse(item.atom()), after));
    }
    List<EnqueueOutcome> outcomes =
        queue.enqueue(DependencyOrder.order(parsed), priority, now(), settings.defaultExpected());
    if (outcomes.stream().anyMatch(EnqueueOutcome::queued)) {
      workMayBeReady();
    }
    return outcomes;
  }

  public Claim claim(String drone) {
    return queue.claim(drone, now(), settings.leaseTtl());
  }

  public Report started(String drone, String packageId, long token) {
    return queue.started(drone, packageId, token, now(), settings.leaseTtl());
  }

  public Report renew(String drone, String packageId, long token) {
    return queue.renew(drone, packageId, token, now(), settings.leaseTtl());
  }

  /**
   * A successful build. With {@code claimNext}, the drone's next package is claimed in the same
   * step (one round trip per build while work is ready).
   */
  public Verdict complete(String drone, String packageId, long token, long durationMs, boolean claimNext) {
    return queue.complete(
        drone, packageId, token, now(), Math.max(0, durationMs), claimNext ? drone : "", settings.leaseTtl());
  }

  /**
   * A failed build: PERMANENT fails at once; TRANSIENT and DRONE are retried per the policy.
   * {@code claimNext} as for {@link #complete}.
   */
  public Verdict fail(
      String drone,
      String packageId,
      long token,
      long durationMs,
      String reason,
      FailureClass failureClass,
      boolean claimNext) {
    String why = reason == null || reason.isBlank() ? "build failed (no reason given)" : reason;
    if (why.length() > MAX_REASON_CHARS) {
      why = why.substring(0, MAX_REASON_CHARS) + "...";
    }
    return queue.fail(
        drone, packageId, token, now(), Math.max(0, durationMs), why, failureClass, settings.retry(),
        ThreadLocalRandom.current().nextDouble(), claimNext ? drone : "", settings.leaseTtl());
  }

  /** A drone gives a package back unbuilt (it is shutting down): queued again at once, no failure. */
  public Report release(String drone, String packageId, long token, String reason) {
    Report report = queue.release(drone, packageId, token, now(), reason == null ? "" : reason);
    if (report instanceof Report.Accepted) {
      workMayBeReady();
    }
    return report;
  }

  public Report appendLog(String drone, String packageId, long token, String text) {
    String chunk = text;
    if (chunk.length() > MAX_LOG_CHUNK_CHARS) {
      chunk = chunk.substring(0, MAX_LOG_CHUNK_CHARS) + "\n[buildswarm: chunk truncated]\n";
    }
    return queue.appendLog(drone, packageId, token, now(), chunk, settings.logKeepLines());
  }

  /**
   * The id of a package named by id or by atom (the package holding that atom now).
   *
   * @throws IllegalArgumentException when there is none
   */
  public String packageIdOf(String idOrAtom) {
    if (idOrAtom.chars().allMatch(Character::isDigit) && !idOrAtom.isEmpty()) {
      if (queue.packageRecord(idOrAtom).isEmpty()) {
        throw new IllegalArgumentException("no package " + idOrAtom);
      }
      return idOrAtom;
    }
    String id = queue.activePackageId(Atom.parse(idOrAtom).toString());
    if (id == null) {
      throw new IllegalArgumentException(
          "no package holds " + idOrAtom + " now (ended packages are named by id)");
    }
    return id;
  }

  /** Cancels a package that has not ended; a running build is told to stop. */
  public Report cancel(String idOrAtom, String reason) {
    String id = packageIdOf(idOrAtom);
    String why = reason == null || reason.isBlank() ? "cancelled by an operator" : reason;
    Report report = queue.cancel(id, now(), why);
    if (report instanceof Report.Cancelled cancelled && !cancelled.drone().isEmpty()) {
      stopper.stop(cancelled.drone(), id, cancelled.token(), why);
    }
    return report;
  }

  /** Queues a failed or cancelled package again, attempts reset. */
  public Report retry(String idOrAtom) {
    Report report = queue.retry(packageIdOf(idOrAtom), now());
    if (report instanceof Report.Accepted) {
      workMayBeReady();
    }
    return report;
  }

  /** Forgets an ended package. */
  public Report remove(String idOrAtom) {
    return queue.remove(packageIdOf(idOrAtom), now());
  }

  /** Forgets every ended package in a state (done, failed or cancelled); returns how many. */
  public long clear(String state) {
    long total = 0;
    int batch;
    do {
      batch = queue.clear(state, now(), 1000);
      total += batch;
    } while (batch > 0);
    return total;
  }

  public static final int MAX_EVENTS_PER_READ = 10_000;
  public static final int MAX_HISTORY_LOG_CHARS = 16 * 1024 * 1024;

  /** Learns build durations from a Portage emerge.log's text. */
  public EmergeLog.Reading importEmergeLog(String text) {
    if (text.length() > MAX_HISTORY_LOG_CHARS) {
      throw new IllegalArgumentException("emerge.log of " + text.length() + " characters; the limit is " + MAX_HISTORY_LOG_CHARS);
    }
    EmergeLog.Reading reading = EmergeLog.read(text);
    List<Map.Entry<String, Long>> durations = new ArrayList<>(reading.builds().size());
    for (EmergeLog.Build build : reading.builds()) {
      durations.add(Map.entry(build.key(), build.duration().toMillis()));
    }
    queue.recordHistory(durations);
    return reading;
  }

  /** Expected build time (ms) and recorded builds per category/package, optionally one only. */
  public Map<String, long[]> history(String key) {
    Map<String, long[]> all = queue.history();
    if (key == null || key.isEmpty()) {
      return all;
    }
    Map<String, long[]> one = new TreeMap<>();
    if (all.containsKey(key)) {
      one.put(key, all.get(key));
    }
    return one;
  }

  /** Events after a cursor, in absolute order; at most {@code limit} (default 100). */
  public List<SwarmEvent> events(String since, int limit) {
    int n = limit <= 0 ? 100 : limit;
    if (n > MAX_EVENTS_PER_READ) {
      throw new IllegalArgumentException("limit " + limit + " is over " + MAX_EVENTS_PER_READ);
    }
    return queue.events(since, n);
  }

  /** Pauses the queue: claims return nothing until resumed; running builds go on. */
  public boolean pause() {
    return queue.setPaused(true, now());
  }

  public boolean resume() {
    boolean changed = queue.setPaused(false, now());
    workMayBeReady();
    return changed;
  }

  /** Requeues packages whose lease expired; safe on every coordinator at once. */
  public int reapExpiredLeases() {
    int reaped = queue.reapExpired(now(), REAP_BATCH, settings.maxLosses());
    if (reaped > 0) {
      workMayBeReady();
    }
    return reaped;
  }

  /** Wakes every waiting drone session, on this coordinator and, through Redis, on the others. */
  public void workMayBeReady() {
    localWork.wakeLocal();
    broadcast.publish();
  }

  public Map<String, String> packageRecord(String packageId) {
    return queue.packageRecord(packageId);
  }

  /**
   * Writes a drone's own bucket. Only that drone's sessions call this for it, and only the current
   * session's writes land.
   *
   * @return false when a newer session of the drone owns the bucket (nothing written)
   */
  public boolean writeDroneBucket(DroneRegistration drone, BucketUpdate update) {
    Map<String, String> fields = new TreeMap<>();
    fields.put(DroneBucket.NAME, drone.name());
    fields.put(DroneBucket.HOST, drone.host());
    fields.put(DroneBucket.STATE, update.state());
    fields.put(DroneBucket.CORES, String.valueOf(drone.cores()));
    fields.put(DroneBucket.SLOTS, String.valueOf(drone.slots()));
    fields.put(DroneBucket.RUNNING, String.join("\n", update.running()));
    fields.put(DroneBucket.VERSION, drone.version());
    fields.put(DroneBucket.COORDINATOR, update.coordinatorId());
    fields.put(DroneBucket.LAST_HEARTBEAT_MS, String.valueOf(now()));
    return buckets.write(
        drone.name(), update.sessionId(), update.opening(), update.builtDelta(), update.failedDelta(), fields);
  }

  public List<DroneBucket> drones() {
    return buckets.all(now(), settings.droneStaleAfterMs());
  }

  public SwarmStatus status() {
    Map<String, Long> packages = new TreeMap<>();
    for (PackageState state : PackageState.values()) {
      packages.put(state.wireName(), 0L);
    }
    queue.countsByState().forEach((state, n) -> packages.merge(state, n, Long::sum));
    Map<String, Long> drones = new TreeMap<>();
    for (String state : List.of(DroneBucket.IDLE, DroneBucket.BUILDING, DroneBucket.OFFLINE)) {
      drones.put(state, 0L);
    }
    long coresActive = 0;
    long coresTotal = 0;
    for (DroneBucket drone : drones()) {
      drones.merge(drone.state(), 1L, Long::sum);
      if (!drone.state().equals(DroneBucket.OFFLINE)) {
        coresTotal += drone.cores();
      }
      if (drone.state().equals(DroneBucket.BUILDING)) {
        coresActive += drone.cores();
      }
    }
    long online = drones.get(DroneBucket.IDLE) + drones.get(DroneBucket.BUILDING);
    String overall = queue.paused() ? "PAUSED" : SwarmStatus.overallState(packages, online);
    return new SwarmStatus(packages, drones, coresActive, coresTotal, overall);
  }

  private long now() {
    return clock.millis();
  }
}

package dev.buildswarm.coordinator.queue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.redis.DroneBucket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
  private final Clock clock;
  private final CoordinatorSettings settings;

  public SwarmService(
      JobQueue queue,
      DroneBuckets buckets,
      WorkSignal localWork,
      WorkBroadcast broadcast,
      Clock clock,
      CoordinatorSettings settings) {
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

  /**
   * Queues atoms all-or-nothing: every atom is validated first, and if any is invalid nothing is
   * queued.
   *
   * @throws IllegalArgumentException (an {@link dev.buildswarm.atom.InvalidAtomException} for a bad
   *     atom) naming the input; nothing was queued
   */
  public List<EnqueueOutcome> enqueue(List<String> atomTexts, int priority) {
    if (atomTexts.isEmpty()) {
      throw new IllegalArgumentException("no atoms given");
    }
    if (atomTexts.size() > MAX_ATOMS_PER_ENQUEUE) {
      throw new IllegalArgumentException(
          atomTexts.size() + " atoms in one request; the limit is " + MAX_ATOMS_PER_ENQUEUE);
    }
    if (Math.abs(priority) > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "priority " + priority + " is out of range -" + MAX_PRIORITY + " to " + MAX_PRIORITY);
    }
    List<Atom> atoms = new ArrayList<>(atomTexts.size());
    for (String text : atomTexts) {
      atoms.add(Atom.parse(text));
    }
    List<EnqueueOutcome> outcomes = queue.enqueue(atoms, priority, now());
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

  public Report complete(String drone, String packageId, long token, long durationMs) {
    return queue.complete(drone, packageId, token, now(), Math.max(0, durationMs));
  }

  public Report fail(String drone, String packageId, long token, long durationMs, String reason) {
    String why = reason == null || reason.isBlank() ? "build failed (no reason given)" : reason;
    if (why.length() > MAX_REASON_CHARS) {
      why = why.substring(0, MAX_REASON_CHARS) + "...";
    }
    return queue.fail(drone, packageId, token, now(), Math.max(0, durationMs), why);
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
    for (String state : List.of("queued", "claimed", "building", "done", "failed")) {
      packages.put(state, 0L);
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
    return new SwarmStatus(
        packages, drones, coresActive, coresTotal, SwarmStatus.overallState(packages, online));
  }

  private long now() {
    return clock.millis();
  }
}

package dev.buildswarm.coordinator.queue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.atom.ShownInput;
import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneOrder;
import dev.buildswarm.coordinator.domain.DroneOrderOutcome;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DependencyOrder;
import dev.buildswarm.coordinator.domain.EmergeLog;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.LogPage;
import dev.buildswarm.coordinator.domain.PackageDetail;
import dev.buildswarm.coordinator.domain.PackagePage;
import dev.buildswarm.coordinator.domain.PackageState;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.domain.Verdict;
import dev.buildswarm.redis.DroneBucket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.Optional;
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
  public static final int MAX_DEPENDENCIES_PER_ATOM = 1_000;
  public static final int MAX_LOG_CHUNK_CHARS = 64 * 1024;
  public static final int MAX_REASON_CHARS = 4096;
  private static final int REAP_BATCH = 500;
  /**
   * The least time between two work signals to other coordinators: every verdict signals, and a
   * signal in flight wakes them all the same. A signal asked for within it goes out at its end.
   */
  public static final Duration WORK_SIGNAL_INTERVAL = Duration.ofMillis(5);

  private final JobQueue queue;
  private final DroneBuckets buckets;
  private final WorkSignal localWork;
  private final WorkBroadcast broadcast;
  private final BuildStopper stopper;
  private final Clock clock;
  private final CoordinatorSettings settings;
  private final SwarmMetrics metrics;
  private final CoalescedWrite signals;

  public SwarmService(
      JobQueue queue,
      DroneBuckets buckets,
      WorkSignal localWork,
      WorkBroadcast broadcast,
      BuildStopper stopper,
      Clock clock,
      CoordinatorSettings settings) {
    this(queue, buckets, localWork, broadcast, stopper, clock, settings, SwarmMetrics.NONE);
  }

  /** As above, counting claims, lease expiries, retries and stored uploads into {@code metrics}. */
  public SwarmService(
      JobQueue queue,
      DroneBuckets buckets,
      WorkSignal localWork,
      WorkBroadcast broadcast,
      BuildStopper stopper,
      Clock clock,
      CoordinatorSettings settings,
      SwarmMetrics metrics) {
    this.metrics = metrics;
    this.stopper = stopper;
    this.queue = queue;
    this.buckets = buckets;
    this.localWork = localWork;
    this.broadcast = broadcast;
    this.signals =
        new CoalescedWrite("the work signal", WORK_SIGNAL_INTERVAL, System::nanoTime, CoalescedWrite.SHARED_TIMER, broadcast::publish);
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
    List<QueuedAtom> checked = checkedRequest(items, priority);
    List<EnqueueOutcome> outcomes =
        queue.enqueue(checked, priority, now(), settings.defaultExpected());
    if (outcomes.stream().anyMatch(EnqueueOutcome::queued)) {
      workMayBeReady();
    }
    return outcomes;
  }

  /**
   * An enqueue request as the queue takes it: every atom and dependency parsed, priorities in
   * range, dependencies first. Pure, so every entry point refuses the same things.
   *
   * @throws IllegalArgumentException naming the input
   */
  public static List<QueuedAtom> checkedRequest(List<EnqueueItem> items, int priority) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("no atoms given");
    }
    if (items.size() > MAX_ATOMS_PER_ENQUEUE) {
      throw new IllegalArgumentException(
          items.size() + " atoms in one request; the limit is " + MAX_ATOMS_PER_ENQUEUE);
    }
    if (!priorityInRange(priority)) {
      throw new IllegalArgumentException(
          "priority " + priority + " is out of range -" + MAX_PRIORITY + " to " + MAX_PRIORITY);
    }
    List<QueuedAtom> parsed = new ArrayList<>(items.size());
    for (EnqueueItem item : items) {
      if (item.after().size() > MAX_DEPENDENCIES_PER_ATOM) {
        throw new IllegalArgumentException(
            ShownInput.of(item.atom(), 100) + " waits for " + item.after().size() + " packages; the limit is " + MAX_DEPENDENCIES_PER_ATOM
                + " dependencies per atom");
      }
      List<Atom> after = new ArrayList<>(item.after().size());
      for (String dep : item.after()) {
        after.add(Atom.parse(dep));
      }
      if (item.priority() != null && !priorityInRange(item.priority())) {
        throw new IllegalArgumentException(
            "priority " + item.priority() + " of " + item.atom() + " is out of range -" + MAX_PRIORITY + " to " + MAX_PRIORITY);
      }
      parsed.add(new QueuedAtom(Atom.parse(item.atom()), after, item.priority()));
    }
    return DependencyOrder.order(parsed);
  }

  /** Not Math.abs: the absolute value of Integer.MIN_VALUE is itself, negative, and would pass. */
  private static boolean priorityInRange(int priority) {
    return priority >= -MAX_PRIORITY && priority <= MAX_PRIORITY;
  }

  public Claim claim(String drone) {
    Claim answer = queue.claim(drone, now(), settings.leaseTtl());
    metrics.claimAnswered(answer);
    return answer;
  }

  public CompletableFuture<Report> started(String drone, String packageId, long token) {
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
    return complete(drone, packageId, token, durationMs, claimNext, 0);
  }

  /**
   * A successful build that uploaded {@code artifacts} binary packages: done only if they were
   * stored under its lease; otherwise refused with "artifacts not stored under this lease".
   */
  public Verdict complete(String drone, String packageId, long token, long durationMs, boolean claimNext, int artifacts) {
    Verdict verdict =
        queue.complete(
            drone, packageId, token, now(), Math.max(0, durationMs), claimNext ? drone : "", settings.leaseTtl(), artifacts);
    if (claimNext) {
      metrics.claimAnswered(verdict.next());
    }
    return verdict;
  }

  /** The binary packages of a build were stored in the binhost: recorded, under its lease. */
  public Report recordArtifacts(String drone, String packageId, long token, List<Artifact> artifacts) {
    Report report = queue.recordArtifacts(drone, packageId, token, now(), artifacts);
    if (report instanceof Report.Accepted) {
      metrics.artifactsStored(artifacts.size(), artifacts.stream().mapToLong(Artifact::size).sum());
    }
    return report;
  }

  /** Whether the lease is the drone's under this token (a check that renews it, as a heartbeat does). */
  public boolean holdsLease(String drone, String packageId, long token) {
    return queue.renew(drone, packageId, token, now(), settings.leaseTtl()) instanceof Report.Accepted;
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
    Verdict verdict =
        queue.fail(
            drone, packageId, token, now(), Math.max(0, durationMs), why, failureClass, settings.retry(),
            settings.grounding(), ThreadLocalRandom.current().nextDouble(), claimNext ? drone : "", settings.leaseTtl());
    // "duplicate" (a verdict sent twice) and refusals judged nothing.
    if (verdict.report() instanceof Report.Accepted accepted
        && (accepted.outcome().equals("delayed") || accepted.outcome().equals("failed"))) {
      metrics.failureJudged(failureClass, accepted.outcome().equals("delayed"));
    }
    if (claimNext) {
      metrics.claimAnswered(verdict.next());
    }
    return verdict;
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

  /** Whether the queue is paused: one small Redis read, for health checks. */
  public boolean paused() {
    return queue.paused();
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
    metrics.leasesExpired(reaped);
    if (reaped > 0) {
      workMayBeReady();
    }
    return reaped;
  }

  /**
   * Wakes every waiting drone session: on this coordinator at once, on the others through Redis at
   * most {@link #WORK_SIGNAL_INTERVAL} later (signals close together go out as one).
   */
  public void workMayBeReady() {
    localWork.wakeLocal();
    signals.changed();
  }

  public Map<String, String> packageRecord(String packageId) {
    return queue.packageRecord(packageId);
  }

  public static final int MAX_LIST_LIMIT = 1000;
  /** Ids one listing call looks at, at most: a rare state in a big queue takes several calls. */
  private static final int LIST_SCAN = 5000;
  /** Recent events searched for one package's transitions. */
  private static final int TRANSITIONS_SCAN = 20_000;
  private static final int SHOW_LOG_LINES = 40;

  /** Packages by id from a cursor (0: the start), optionally of one state and/or on one drone. */
  public PackagePage listPackages(String state, String drone, int limit, long cursor) {
    String s = state == null ? "" : state.strip();
    if (!s.isEmpty()) {
      PackageState.fromWire(s);
    }
    int n = limit <= 0 ? 100 : limit;
    if (n > MAX_LIST_LIMIT) {
      throw new IllegalArgumentException("limit " + limit + " is over " + MAX_LIST_LIMIT);
    }
    if (cursor < 0) {
      throw new IllegalArgumentException("cursor " + cursor + " is negative");
    }
    return queue.listPackages(cursor, s, drone == null ? "" : drone.strip(), n, LIST_SCAN);
  }

  /** One package, named by id or atom: its record, recent transitions and last log lines. */
  public PackageDetail showPackage(String idOrAtom) {
    String id = packageIdOf(idOrAtom);
    Map<String, String> record = queue.packageRecord(id);
    List<String> tail = List.of();
    if (!record.getOrDefault("attempt", "0").equals("0")) {
      List<String> lines = new ArrayList<>();
      for (String chunk : queue.log(id, 0, 0).chunks()) {
        lines.addAll(List.of(chunk.split("\n")));
      }
      tail = lines.subList(Math.max(0, lines.size() - SHOW_LOG_LINES), lines.size());
    }
    return new PackageDetail(id, record, queue.recentEventsOf(id, TRANSITIONS_SCAN), tail);
  }

  /** One attempt's build log (0: the last) of a package named by id or atom, from a chunk on. */
  public LogPage log(String idOrAtom, int attempt, long from) {
    if (attempt < 0 || from < 0) {
      throw new IllegalArgumentException("attempt and from must not be negative");
    }
    return queue.log(packageIdOf(idOrAtom), attempt, from);
  }

  /**
   * Writes a drone's own bucket. Only that drone's sessions call this for it, and only the current
   * session's writes land.
   *
   * @return the orders the drone stands under, or empty when a newer session of the drone owns the
   *     bucket (nothing written)
   */
  public Optional<DroneOrders> writeDroneBucket(DroneRegistration drone, BucketUpdate update) {
    Map<String, String> fields = new TreeMap<>();
    fields.put(DroneBucket.STATE, update.state());
    fields.put(DroneBucket.RUNNING, String.join("\n", update.running()));
    fields.put(DroneBucket.LAST_HEARTBEAT_MS, String.valueOf(now()));
    if (update.opening()) {
      // What the session registered with does not change while it lasts; only the session that
      // opened the bucket writes it afterwards (drone_bucket.lua), so these stand until the next.
      fields.put(DroneBucket.NAME, drone.name());
      fields.put(DroneBucket.HOST, drone.host());
      fields.put(DroneBucket.CORES, String.valueOf(drone.cores()));
      fields.put(DroneBucket.SLOTS, String.valueOf(drone.slots()));
      fields.put(DroneBucket.VERSION, drone.version());
      fields.put(DroneBucket.COORDINATOR, update.coordinatorId());
      fields.put(DroneBucket.SPEED_FACTOR, String.valueOf(drone.speedFactor()));
      StringBuilder capabilities = new StringBuilder();
      new TreeMap<>(drone.capabilities()).forEach((k, v) -> capabilities.append(k).append('=').append(v).append('\n'));
      fields.put(DroneBucket.CAPABILITIES, capabilities.toString());
    }
    if (update.vitals() != null) {
      fields.put(DroneBucket.LOAD_AVERAGE, String.valueOf(update.vitals().loadAverage()));
      fields.put(DroneBucket.FREE_DISK_BYTES, String.valueOf(update.vitals().freeDiskBytes()));
      fields.put(DroneBucket.MEMORY_AVAILABLE_BYTES, String.valueOf(update.vitals().memoryAvailableBytes()));
    }
    return buckets.write(
        drone.name(), update.sessionId(), update.opening(), update.builtDelta(), update.failedDelta(), fields);
  }

  /**
   * An operator's order to a drone: ground, unground, drain or undrain. Enforced at once by every
   * claim (on every coordinator); the drone itself is told by its session within a heartbeat.
   *
   * @throws IllegalArgumentException for a drone that never registered, or a reason too long
   */
  public DroneOrderOutcome orderDrone(String drone, DroneOrder order, String reason) {
    if (drone == null || drone.isBlank()) {
      throw new IllegalArgumentException("no drone named");
    }
    if (order == null) {
      throw new IllegalArgumentException("no order given (ground, unground, drain or undrain)");
    }
    String why = reason == null ? "" : reason.strip();
    if (why.length() > MAX_REASON_CHARS) {
      throw new IllegalArgumentException("reason of " + why.length() + " characters; the limit is " + MAX_REASON_CHARS);
    }
    DroneOrderOutcome outcome = buckets.order(drone, order, why, now());
    if (outcome.changed() && (order == DroneOrder.UNGROUND || order == DroneOrder.UNDRAIN)) {
      workMayBeReady();
    }
    return outcome;
  }

  public List<DroneBucket> drones() {
    return buckets.all(now(), settings.droneStaleAfterMs());
  }

  private static final String GROUNDED = "grounded";
  private static final String DRAINING = "draining";

  public SwarmStatus status() {
    Map<String, Long> packages = new TreeMap<>();
    for (PackageState state : PackageState.values()) {
      packages.put(state.wireName(), 0L);
    }
    queue.countsByState().forEach((state, n) -> packages.merge(state, n, Long::sum));
    Map<String, Long> drones = new TreeMap<>();
    for (String state : List.of(DroneBucket.IDLE, DroneBucket.BUILDING, GROUNDED, DroneBucket.OFFLINE, DRAINING)) {
      drones.put(state, 0L);
    }
    long coresActive = 0;
    long coresTotal = 0;
    long slots = 0;
    for (DroneBucket drone : drones()) {
      // Each drone counted once: offline, else grounded, else building or idle; draining on top.
      boolean offline = drone.state().equals(DroneBucket.OFFLINE);
      drones.merge(!offline && drone.grounded() ? GROUNDED : drone.state(), 1L, Long::sum);
      if (!offline && drone.draining()) {
        drones.merge(DRAINING, 1L, Long::sum);
      }
      if (!offline && !drone.grounded() && !drone.draining()) {
        slots += drone.slots();
      }
      if (!drone.state().equals(DroneBucket.OFFLINE)) {
        coresTotal += drone.cores();
      }
      if (drone.state().equals(DroneBucket.BUILDING)) {
        coresActive += drone.cores();
      }
    }
    long online = drones.get(DroneBucket.IDLE) + drones.get(DroneBucket.BUILDING) + drones.get(GROUNDED);
    String overall = queue.paused() ? "PAUSED" : SwarmStatus.overallState(packages, online);
    long open = Math.max(0, queue.openExpectedMs());
    long eta = slots == 0 ? -1 : open / slots;
    return new SwarmStatus(packages, drones, coresActive, coresTotal, overall, open, slots, eta);
  }

  private long now() {
    return clock.millis();
  }
}

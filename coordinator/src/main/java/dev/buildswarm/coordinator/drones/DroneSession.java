package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DroneVitals;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.Verdict;
import dev.buildswarm.coordinator.queue.BucketUpdate;
import dev.buildswarm.coordinator.queue.CoalescedWrite;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.coordinator.domain.LogRate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One drone's session on this coordinator: what it runs, its leases' upkeep, its own bucket. The
 * {@link Dispatcher} hands it work while it has free slots.
 *
 * <p>Thread-safe: report methods are called by the transport one at a time; start reports are
 * answered on the group commit's writer and verdicts stored on threads of their own, several at
 * once; the dispatcher assigns alongside. Shared state is the concurrent {@link #running} map and
 * sets, atomic counters and volatile flags. The bucket is written through {@link #bucket} only,
 * whose writes never overlap.
 */
public final class DroneSession {
  private static final Logger LOG = LoggerFactory.getLogger(DroneSession.class);

  /**
   * The least time between two writes of a drone's bucket made for its assignments and verdicts
   * (the dashboard reads every 250 ms). See {@link CoalescedWrite} and docs/architecture.md.
   */
  public static final Duration BUCKET_INTERVAL = Duration.ofMillis(250);

  private final DroneRegistration drone;
  private final SwarmService service;
  private final DroneLink link;
  private final Runnable wake;
  private final String coordinatorId;
  private final Clock clock;
  private final String sessionId = UUID.randomUUID().toString();
  /** Where verdicts are stored: a virtual thread each (most of their time is a wait on Redis). */
  private static final Executor VERDICTS = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("verdict-", 0).factory());

  private final Map<String, Leased> running = new ConcurrentHashMap<>();
  /** Start reports sent to the queue and not yet answered, by package id. */
  private final Map<String, CompletableFuture<Report>> startsInFlight = new ConcurrentHashMap<>();
  /**
   * Successes being stored, by {@code packageId:token}: the drone ended those builds, whatever it
   * lists. One that could not be stored stays: its session is ending.
   */
  private final Map<String, CompletableFuture<Void>> verdictsInFlight = new ConcurrentHashMap<>();
  private final LogRate logRate;
  private volatile boolean closed;
  /** An assignment could not be sent: the stream is gone; claim nothing more for it. */
  private volatile boolean unreachable;
  /** The drone said it is shutting down: claim nothing more for it. */
  private volatile boolean stopping;
  /** Set when open() has counted the builds carried over: no work is handed out before. */
  private volatile boolean opened;
  /** The orders last told to the drone; null before the first. Guarded by {@code this}. */
  private DroneOrders told;
  /** Builds that ended, not yet added to the bucket's counters. */
  private final AtomicInteger unwrittenBuilt = new AtomicInteger();
  private final AtomicInteger unwrittenFailed = new AtomicInteger();
  private final CoalescedWrite bucket;

  /** A package leased to this drone; {@code assignedAtMs} lets heartbeats tell in-flight from lost. */
  private record Leased(String packageId, String atom, long token, long assignedAtMs) {}

  public DroneSession(
      DroneRegistration drone,
      SwarmService service,
      DroneLink link,
      Runnable wake,
      String coordinatorId,
      Clock clock) {
    this.bucket =
        new CoalescedWrite(
            "drone " + drone.name() + "'s bucket", BUCKET_INTERVAL, System::nanoTime, CoalescedWrite.SHARED_TIMER,
            () -> writeBucket(false, null, null));
    this.drone = drone;
    this.service = service;
    this.link = link;
    this.wake = wake;
    this.coordinatorId = coordinatorId;
    this.clock = clock;
    this.logRate = LogRate.standard(clock.millis());
  }

  public DroneRegistration drone() {
    return drone;
  }

  /**
   * Takes the drone's bucket over; from now on the dispatcher hands it work. Builds the drone still
   * runs from an earlier session keep their leases (when still the drone's) and their slots; the
   * others are cancelled.
   */
  public void open(Map<String, Long> carriedOver) {
    carriedOver.forEach(
        (packageId, token) -> {
          if (service.renew(drone.name(), packageId, token) instanceof Report.Refused refused) {
            link.cancel(packageId, token, refused.reason());
          } else {
            String atom = service.packageRecord(packageId).getOrDefault("atom", "?");
            running.put(packageId, new Leased(packageId, atom, token, clock.millis()));
          }
        });
    bucket.now(() -> writeBucket(true, null, null));
    opened = true;
    wake.run();
  }

  /** Whether the dispatcher may claim for this drone now. */
  boolean wantsWork() {
    return opened && !closed && !unreachable && !stopping && running.size() < drone.slots();
  }

  /** Hands the drone a package the dispatcher claimed for it. */
  void assign(Claim.Claimed claimed) {
    take(claimed);
    bucket.changed();
  }

  /** Puts a claimed package in a slot and sends it to the drone; the caller marks the bucket changed. */
  private void take(Claim.Claimed claimed) {
    Leased leased = new Leased(claimed.packageId(), claimed.atom(), claimed.token(), clock.millis());
    running.put(claimed.packageId(), leased);
    if (!link.assign(claimed)) {
      // The drone is gone before it got the package: give it straight back to the queue.
      LOG.warn("drone {} unreachable; {} goes back to the queue", drone.name(), claimed.atom());
      running.remove(claimed.packageId(), leased);
      service.release(drone.name(), claimed.packageId(), claimed.token(), "drone unreachable at assignment");
      unreachable = true;
    }
  }

  /** The drone is shutting down; its builds come back as abandoned reports. */
  public void stopping(String reason) {
    stopping = true;
    LOG.info("drone {} is stopping ({}); assigning it nothing more", drone.name(), reason);
    // What it runs as it goes, shown at once.
    bucket.now(() -> writeBucket(false, null, null));
  }

  /**
   * The drone started a build. Not waited for: the build's verdict may follow at once, and holding
   * it back behind this write would cost every build a round trip to Redis. The scripts take the
   * two in either order (a success applied first records the start; the start then changes nothing).
   */
  public void buildStarted(String packageId, long token) {
    CompletableFuture<Report> start = service.started(drone.name(), packageId, token);
    startsInFlight.put(packageId, start);
    // Runs on the group commit's writer: nothing here may wait (no Redis call).
    start.whenComplete((report, error) -> {
      startsInFlight.remove(packageId, start);
      if (error != null) {
        LOG.error("drone {}: could not record the start of package {}", drone.name(), packageId, error);
        unstored(error);
      } else if (report instanceof Report.Refused refused) {
        refuse(packageId, token, refused.reason());
      }
    });
  }

  /**
   * A start or a verdict could not be stored (Redis unreachable, say): as for any report that
   * could not be stored, the session ends (the transport then removes it) and the drone reconnects
   * and reports again, an unacknowledged verdict too; its leases hold meanwhile. Does not wait.
   */
  private void unstored(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    link.close("coordinator error: " + cause);
  }

  /**
   * Waits for the package's start report, when one is on its way, before a verdict that must come
   * after it: a failure (a build that could not start sends no start, so a failure must not record
   * one) or a package given back (it must not be started after it).
   */
  private void awaitStart(String packageId) {
    CompletableFuture<Report> start = startsInFlight.get(packageId);
    if (start != null) {
      start.exceptionally(error -> null).join();
    }
  }

  /**
   * A heartbeat: renews the lease of every build the drone says it runs, and reconciles: a package
   * this session assigned that the drone no longer mentions, two heartbeats after it was assigned,
   * never reached it (or its verdict was lost); its lease is released so its slot and the package
   * are not stranded.
   */
  /**
   * Renews the leases of the builds the drone says it runs; returns those renewed (package id to
   * token), which the drone is told: a build it does not hear renewed for too long, it stops.
   */
  public Map<String, Long> heartbeat(Map<String, Long> runningTokens, DroneVitals vitals) {
    Map<String, Long> renewed = new java.util.LinkedHashMap<>();
    runningTokens.forEach(
        (packageId, token) -> {
          Report report = service.renew(drone.name(), packageId, token);
          if (report instanceof Report.Refused refused) {
            refuse(packageId, token, refused.reason());
          } else {
            renewed.put(packageId, token);
          }
        });
    long graceMs = service.settings().heartbeatInterval().multipliedBy(2).toMillis();
    long now = clock.millis();
    for (Leased leased : List.copyOf(running.values())) {
      Long reported = runningTokens.get(leased.packageId());
      boolean missing =
          (reported == null || reported != leased.token())
              && !verdictsInFlight.containsKey(leased.packageId() + ":" + leased.token());
      if (missing && now - leased.assignedAtMs() > graceMs && running.remove(leased.packageId(), leased)) {
        LOG.warn("drone {} does not run {} it was assigned; giving it back", drone.name(), leased.atom());
        service.release(drone.name(), leased.packageId(), leased.token(), "drone " + drone.name() + " does not run it");
        wake.run();
      }
    }
    bucket.now(() -> writeBucket(false, null, vitals));
    return renewed;
  }

  public void logChunk(String packageId, long token, String text) {
    String admitted = logRate.admit(text, clock.millis());
    if (admitted != null) {
      service.appendLog(drone.name(), packageId, token, admitted);
    }
  }

  /**
   * Stores a verdict and then acknowledges it to the drone. A success of a drone of several slots
   * is stored on a thread of its own: the transport reads the drone's next message meanwhile, so
   * the successes of its slots that end together are stored together (one group commit) rather
   * than one round trip after another. A failure or a package given back is stored here, after every verdict received
   * before it and after its build's start: a drone's failures in a row ground it, so a success
   * sent between them must be applied between them. The future completes once the verdict is
   * stored (or refused for good) and acknowledged; exceptionally when it could not be stored, and
   * the session then ends. A verdict stored on the caller's thread that could not be stored
   * throws, as any report.
   */
  public CompletableFuture<Void> buildFinished(BuildReport result) {
    String key = result.packageId() + ":" + result.token();
    // Only the first verdict on a build frees its slot: one sent again while the first is being
    // stored (a resend after a registration) frees nothing more.
    Leased leased = running.get(result.packageId());
    boolean heldSlot = leased != null && leased.token() == result.token() && !verdictsInFlight.containsKey(key);
    if (!result.success() || result.abandoned() || drone.slots() == 1) {
      // A drone of one slot has no other build whose verdict could wait behind this one: the hand
      // to another thread would only add its latency (about half a millisecond per build on a busy
      // two-core coordinator, bench/run-dispatch-bench).
      CompletableFuture.allOf(verdictsInFlight.values().toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
      awaitStart(result.packageId());
      link.storeThenAcknowledge(result.packageId(), result.token(), () -> applyVerdict(result, leased, heldSlot));
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> stored = new CompletableFuture<>();
    verdictsInFlight.put(key, stored);
    VERDICTS.execute(
        () -> {
          try {
            link.storeThenAcknowledge(result.packageId(), result.token(), () -> applyVerdict(result, leased, heldSlot));
            verdictsInFlight.remove(key, stored);
            stored.complete(null);
          } catch (RuntimeException | Error e) {
            LOG.error("drone {}: could not store the verdict on package {}", drone.name(), result.packageId(), e);
            unstored(e);
            stored.completeExceptionally(e);
          }
        });
    return stored;
  }

  /**
   * Applies a verdict. Returns normally once it is stored (or refused for good): safe to
   * acknowledge. The slot the build held ({@code heldSlot}) is free: the drone's next package is
   * claimed in the same step. Only when this session counted the build in a slot: a verdict sent
   * again after a reconnect frees nothing here.
   */
  private void applyVerdict(BuildReport result, Leased leased, boolean heldSlot) {
    boolean claimNext = heldSlot && opened && !closed && !unreachable && !stopping;
    Verdict verdict;
    if (result.abandoned()) {
      verdict = Verdict.of(service.release(drone.name(), result.packageId(), result.token(), result.reason()));
    } else if (result.success()) {
      verdict =
          service.complete(drone.name(), result.packageId(), result.token(), result.durationMs(), claimNext, result.artifacts());
      if (verdict.report() instanceof Report.Refused refused && refused.reason().startsWith("artifacts not stored")) {
        // Built, but its packages never reached the binhost: not done; tried again.
        awaitStart(result.packageId());
        verdict =
            service.fail(
                drone.name(), result.packageId(), result.token(), result.durationMs(),
                "built, but its binary packages were not stored: " + refused.reason(), FailureClass.TRANSIENT, claimNext);
      }
    } else {
      verdict =
          service.fail(
              drone.name(), result.packageId(), result.token(), result.durationMs(), result.reason(),
              result.failureClass(), claimNext);
    }
    Report report = verdict.report();
    if (verdict.next() instanceof Claim.Claimed next) {
      // Into its slot before the finished build leaves it, so the dispatcher never sees the slot
      // free in between. The bucket is written once, below, for both.
      take(next);
    }
    if (heldSlot) {
      running.remove(result.packageId(), leased);
    }
    boolean duplicate = report instanceof Report.Accepted a && a.outcome().equals("duplicate");
    if (report instanceof Report.Refused refused) {
      LOG.warn(
          "drone {} reported {} for package {} with token {}: refused, {}",
          drone.name(), result.success() ? "success" : "failure", result.packageId(), result.token(), refused.reason());
    } else if (result.abandoned()) {
      LOG.info("drone {} gave package {} back ({})", drone.name(), result.packageId(), result.reason());
    } else if (duplicate) {
      LOG.info("drone {} sent its verdict on package {} again; it stood already", drone.name(), result.packageId());
    } else if (result.success()) {
      unwrittenBuilt.incrementAndGet();
    } else {
      unwrittenFailed.incrementAndGet();
    }
    bucket.changed();
    // A finished package may have unblocked others' work: the dispatcher looks again now.
    service.workMayBeReady();
  }

  /** An operator cancelled the package: stop its build, free the slot. */
  void stopBuild(String packageId, long token, String reason) {
    refuse(packageId, token, reason);
  }

  /** The lease is not this drone's any more: stop the build, free the slot. */
  private void refuse(String packageId, long token, String reason) {
    LOG.info("drone {}: package {} token {} refused ({}); cancelling it", drone.name(), packageId, token, reason);
    link.cancel(packageId, token, reason);
    Leased leased = running.get(packageId);
    if (leased != null && leased.token() == token && running.remove(packageId, leased)) {
      bucket.changed();
      wake.run();
    }
  }

  /** A newer session of the same drone took over: end this one's stream too. */
  void replaced() {
    link.close("a newer session of drone " + drone.name() + " replaced this one");
    close();
  }

  /**
   * The stream ended: stop claiming and show the drone offline (unless a newer session owns its
   * bucket). Its leases expire by themselves, or are kept when the drone reconnects in time.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      bucket.now(() -> writeBucket(false, DroneBucket.OFFLINE, null));
    } catch (RuntimeException e) {
      LOG.warn("could not mark drone {} offline: {}", drone.name(), e.toString());
    }
  }

  /** Tells the drone this coordinator is going away; it keeps building and reconnects. */
  public void coordinatorStopping(String reason, Duration reconnectAfter) {
    link.shutdown(reason, reconnectAfter);
  }

  /**
   * Writes the bucket as the session stands now, with the builds ended since the last write; only
   * through {@link #bucket}, so writes never overlap. {@code state}: null for idle or building as
   * the slots show, or offline. After the session closed, only the write that says so lands: a
   * routine write gathered before must not show the drone online again.
   */
  private void writeBucket(boolean opening, String state, DroneVitals vitals) {
    if (closed && state == null) {
      if (unwrittenBuilt.get() == 0 && unwrittenFailed.get() == 0) {
        return;
      }
      // Verdicts stored after the close (they were in flight) still count; the drone stays shown
      // offline, and a newer session's bucket takes only the counts (drone_bucket.lua).
      state = DroneBucket.OFFLINE;
    }
    List<String> list = new ArrayList<>();
    for (Leased leased : running.values()) {
      list.add(leased.packageId() + "=" + leased.atom());
    }
    list.sort(null);
    String shown = state != null ? state : list.isEmpty() ? DroneBucket.IDLE : DroneBucket.BUILDING;
    int built = unwrittenBuilt.getAndSet(0);
    int failed = unwrittenFailed.getAndSet(0);
    Optional<DroneOrders> orders;
    try {
      orders =
          service.writeDroneBucket(
              drone, new BucketUpdate(sessionId, opening, shown, list, coordinatorId, built, failed, vitals));
    } catch (RuntimeException e) {
      // Not written: the counts go with the next write.
      unwrittenBuilt.addAndGet(built);
      unwrittenFailed.addAndGet(failed);
      throw e;
    }
    orders.ifPresent(this::tell);
    if (orders.isEmpty() && !closed) {
      // A newer session of this drone (here or on another coordinator) owns its bucket: this one's
      // stream is stale; end it so nothing more is handed to it.
      LOG.info("drone {} has a newer session elsewhere; ending this one", drone.name());
      link.close("drone " + drone.name() + " has a newer session");
      close();
    }
  }

  /** Tells the drone its orders when they changed since it was last told (or on the first write). */
  private synchronized void tell(DroneOrders orders) {
    if (closed || orders.equals(told)) {
      return;
    }
    if (told != null || !orders.equals(DroneOrders.NONE)) {
      LOG.info(
          "drone {}: {}{}", drone.name(),
          orders.grounded() ? "grounded (" + orders.groundedReason() + ")" : "not grounded",
          orders.draining() ? ", draining" : "");
    }
    told = orders;
    link.orders(orders);
  }
}

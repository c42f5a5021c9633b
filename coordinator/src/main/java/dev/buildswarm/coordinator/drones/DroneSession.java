package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.coordinator.queue.WorkSignal;
import dev.buildswarm.redis.DroneBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One drone's session on this coordinator. Its claim loop (one virtual thread) claims a package
 * whenever the drone has a free slot and work may be ready: it wakes at once on a work signal
 * (enqueue, a finished build, a reaped lease) and looks again every {@link #RECHECK} regardless, so
 * a lost signal costs seconds, not packages (lesson 5).
 *
 * <p>Thread-safe: report methods are called by the transport (one at a time per session); the
 * claim loop runs alongside; shared state is the concurrent {@link #running} map.
 */
public final class DroneSession {
  private static final Logger LOG = LoggerFactory.getLogger(DroneSession.class);
  static final Duration RECHECK = Duration.ofSeconds(2);

  private final DroneRegistration drone;
  private final SwarmService service;
  private final DroneLink link;
  private final WorkSignal work;
  private final String coordinatorId;
  private final Map<String, Leased> running = new ConcurrentHashMap<>();
  private final Semaphore wakeups = new Semaphore(0);
  private final AtomicLong built = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean closed;
  /** The drone said it is shutting down: claim nothing more for it. */
  private volatile boolean stopping;
  private volatile Thread claimLoop;
  private AutoCloseable subscription;

  private record Leased(String packageId, String atom, long token) {}

  public DroneSession(
      DroneRegistration drone, SwarmService service, DroneLink link, WorkSignal work, String coordinatorId) {
    this.drone = drone;
    this.service = service;
    this.link = link;
    this.work = work;
    this.coordinatorId = coordinatorId;
  }

  public DroneRegistration drone() {
    return drone;
  }

  /**
   * Records the drone online and starts claiming. Builds the drone still runs from an earlier
   * session keep their leases (when still the drone's) and their slots; the others are cancelled.
   */
  public void open(Map<String, Long> carriedOver) {
    carriedOver.forEach(
        (packageId, token) -> {
          if (service.renew(drone.name(), packageId, token) instanceof Report.Refused refused) {
            link.cancel(packageId, token, refused.reason());
          } else {
            String atom = service.packageRecord(packageId).getOrDefault("atom", "?");
            running.put(packageId, new Leased(packageId, atom, token));
          }
        });
    writeBucket();
    subscription = work.subscribe(this::wake);
    claimLoop = Thread.ofVirtual().name("claim-" + drone.name()).start(this::claimLoop);
  }

  private void wake() {
    if (wakeups.availablePermits() == 0) {
      wakeups.release();
    }
  }

  private void claimLoop() {
    while (!closed) {
      try {
        while (!closed && !stopping && running.size() < drone.slots()) {
          Claim claim = service.claim(drone.name());
          if (!(claim instanceof Claim.Claimed claimed)) {
            break;
          }
          running.put(claimed.packageId(), new Leased(claimed.packageId(), claimed.atom(), claimed.token()));
          writeBucket();
          if (!link.assign(claimed)) {
            // The drone is gone before it got the package: give it straight back to the queue.
            LOG.warn("drone {} unreachable; {} goes back to the queue", drone.name(), claimed.atom());
            running.remove(claimed.packageId());
            service.release(drone.name(), claimed.packageId(), claimed.token(), "drone unreachable at assignment");
            closed = true;
          }
        }
        wakeups.tryAcquire(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
        wakeups.drainPermits();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("claim for drone {} failed: {}", drone.name(), e.toString());
        try {
          Thread.sleep(RECHECK.toMillis());
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  /** The drone is shutting down; its builds come back as abandoned reports. */
  public void stopping(String reason) {
    stopping = true;
    LOG.info("drone {} is stopping ({}); assigning it nothing more", drone.name(), reason);
  }

  public void buildStarted(String packageId, long token) {
    Report report = service.started(drone.name(), packageId, token);
    if (report instanceof Report.Refused refused) {
      refuse(packageId, token, refused.reason());
    }
  }

  /** A heartbeat: renews the lease of every build the drone says it runs. */
  public void heartbeat(Map<String, Long> runningTokens) {
    runningTokens.forEach(
        (packageId, token) -> {
          Report report = service.renew(drone.name(), packageId, token);
          if (report instanceof Report.Refused refused) {
            refuse(packageId, token, refused.reason());
          }
        });
    writeBucket();
  }

  public void logChunk(String packageId, long token, String text) {
    service.appendLog(drone.name(), packageId, token, text);
  }

  public void buildFinished(BuildReport result) {
    Report report;
    if (result.abandoned()) {
      report = service.release(drone.name(), result.packageId(), result.token(), result.reason());
    } else if (result.success()) {
      report = service.complete(drone.name(), result.packageId(), result.token(), result.durationMs());
    } else {
      report = service.fail(drone.name(), result.packageId(), result.token(), result.durationMs(), result.reason());
    }
    Leased leased = running.get(result.packageId());
    if (leased != null && leased.token() == result.token()) {
      running.remove(result.packageId());
    }
    if (report instanceof Report.Refused refused) {
      LOG.warn(
          "drone {} reported {} for package {} with token {}: refused, {}",
          drone.name(), result.success() ? "success" : "failure", result.packageId(), result.token(), refused.reason());
    } else if (result.abandoned()) {
      LOG.info("drone {} gave package {} back ({})", drone.name(), result.packageId(), result.reason());
    } else if (result.success()) {
      built.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
    writeBucket();
    // A slot is free here, and a finished package may free others' work: look again now.
    service.workMayBeReady();
  }

  /** The lease is not this drone's any more: stop the build, free the slot. */
  private void refuse(String packageId, long token, String reason) {
    LOG.info("drone {}: package {} token {} refused ({}); cancelling it", drone.name(), packageId, token, reason);
    link.cancel(packageId, token, reason);
    Leased leased = running.get(packageId);
    if (leased != null && leased.token() == token) {
      running.remove(packageId);
      writeBucket();
      wake();
    }
  }

  /** A newer session of the same drone took over: end this one's stream too. */
  void replaced() {
    link.close("a newer session of drone " + drone.name() + " replaced this one");
    close();
  }

  /** The stream ended: stop claiming and show the drone offline. Its leases expire by themselves. */
  public void close() {
    if (closed && claimLoop == null) {
      return;
    }
    closed = true;
    Thread loop = claimLoop;
    claimLoop = null;
    if (loop != null) {
      loop.interrupt();
    }
    if (subscription != null) {
      try {
        subscription.close();
      } catch (Exception ignored) {
        // Removing a listener cannot fail.
      }
    }
    try {
      service.writeDroneBucket(drone, DroneBucket.OFFLINE, runningList(), counters());
    } catch (RuntimeException e) {
      LOG.warn("could not mark drone {} offline: {}", drone.name(), e.toString());
    }
  }

  private void writeBucket() {
    service.writeDroneBucket(
        drone, running.isEmpty() ? DroneBucket.IDLE : DroneBucket.BUILDING, runningList(), counters());
  }

  private List<String> runningList() {
    List<String> out = new ArrayList<>();
    for (Leased leased : running.values()) {
      out.add(leased.packageId() + "=" + leased.atom());
    }
    out.sort(null);
    return out;
  }

  private Map<String, String> counters() {
    return Map.of(
        DroneBucket.COORDINATOR, coordinatorId,
        DroneBucket.BUILT, String.valueOf(built.get()),
        DroneBucket.FAILED, String.valueOf(failed.get()));
  }
}

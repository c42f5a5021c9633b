package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.coordinator.queue.WorkSignal;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands ready packages to this coordinator's drones with free slots (auto-balance, lesson 5). It
 * wakes at once on a work signal (an enqueue, a finished build, a reaped or released lease, here or
 * on another coordinator) and looks again every {@link #RECHECK} regardless.
 *
 * <p>Each pass claims one package for each drone with a free slot, fastest drone first (cores times
 * speed factor): since claims come longest expected build first, the longest ready package goes to
 * the fastest free drone. Passes repeat until no drone has a free slot or nothing is ready.
 *
 * <p>One virtual thread; thread-safe to {@link #wake} from anywhere.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  static final Duration RECHECK = Duration.ofSeconds(2);
  private static final Comparator<DroneSession> FASTEST_FIRST =
      Comparator.comparingDouble((DroneSession s) -> s.drone().cores() * s.drone().speedFactor())
          .reversed()
          .thenComparing(s -> s.drone().name());

  private final SwarmService service;
  private final DroneSessions sessions;
  private final WorkSignal work;
  private final Semaphore wakeups = new Semaphore(0);
  private volatile AutoCloseable subscription;
  private volatile boolean closed;

  public Dispatcher(SwarmService service, DroneSessions sessions, WorkSignal work) {
    this.service = service;
    this.sessions = sessions;
    this.work = work;
  }

  /** Starts the dispatch loop; returns this. */
  public Dispatcher start() {
    subscription = work.subscribe(this::wake);
    Thread.ofVirtual().name("dispatcher").start(this::run);
    return this;
  }

  public void wake() {
    if (wakeups.availablePermits() == 0) {
      wakeups.release();
    }
  }

  private void run() {
    while (!closed) {
      try {
        dispatch();
        wakeups.tryAcquire(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
        wakeups.drainPermits();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("dispatching failed; trying again: {}", e.toString());
        try {
          Thread.sleep(RECHECK.toMillis());
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  /** Claims for free drones, fastest first, until none is free or nothing is ready. */
  void dispatch() {
    boolean assigned = true;
    while (assigned) {
      assigned = false;
      List<DroneSession> free = sessions.all().stream().filter(DroneSession::wantsWork).sorted(FASTEST_FIRST).toList();
      for (DroneSession session : free) {
        if (closed || !session.wantsWork()) {
          continue;
        }
        Claim claim = service.claim(session.drone().name());
        if (claim instanceof Claim.Held) {
          // Grounded or draining: this drone takes nothing, the others may.
          continue;
        }
        if (!(claim instanceof Claim.Claimed claimed)) {
          return;
        }
        session.assign(claimed);
        assigned = true;
      }
    }
  }

  /** Stops dispatching; not interrupted mid-claim, so no claim is left half-known. */
  @Override
  public void close() {
    closed = true;
    wake();
    AutoCloseable current = subscription;
    if (current != null) {
      try {
        current.close();
      } catch (Exception ignored) {
        // Removing a listener cannot fail.
      }
    }
  }
}

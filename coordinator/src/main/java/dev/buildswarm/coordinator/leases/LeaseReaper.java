package dev.buildswarm.coordinator.leases;

import dev.buildswarm.coordinator.queue.SwarmService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Returns packages whose lease expired to the queue, every {@code interval}. Runs on every
 * coordinator at once: the reap is one script, so each expired lease is requeued exactly once.
 */
public final class LeaseReaper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseReaper.class);
  private final ScheduledExecutorService timer;

  public LeaseReaper(SwarmService service, Duration firstAfter, Duration interval) {
    this.timer =
        Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("lease-reaper").factory());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            int reaped = service.reapExpiredLeases();
            if (reaped > 0) {
              LOG.info("requeued {} package(s) whose drone's lease expired", reaped);
            }
          } catch (RuntimeException e) {
            LOG.warn("reaping expired leases failed; trying again: {}", e.toString());
          }
        },
        firstAfter.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

package dev.buildswarm.coordinator.queue;

import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import java.time.Duration;

/**
 * The coordinator's tunables.
 *
 * @param swarm the swarm's name (its Redis hash tag)
 * @param leaseTtl a lease not renewed for this long expires and its package is requeued
 * @param heartbeatInterval drones heartbeat this often; a lease TTL of several intervals tolerates
 *     a missed beat
 * @param reapInterval how often the reaper looks for expired leases
 * @param maxLosses a package whose drone was lost this many times fails (poison pill)
 * @param logKeepLines lines of build output kept per package
 * @param retry how transient and drone failures are tried again
 * @param defaultExpected expected build time of a package with no recorded history
 * @param grounding when a drone whose builds keep failing is grounded
 */
public record CoordinatorSettings(
    String swarm,
    Duration leaseTtl,
    Duration heartbeatInterval,
    Duration reapInterval,
    int maxLosses,
    int logKeepLines,
    RetryPolicy retry,
    Duration defaultExpected,
    GroundingPolicy grounding) {

  public CoordinatorSettings {
    if (leaseTtl.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "lease TTL ("
              + leaseTtl
              + ") must be at least twice the heartbeat interval ("
              + heartbeatInterval
              + "), or leases expire between heartbeats");
    }
    if (maxLosses < 1) {
      throw new IllegalArgumentException("max losses must be at least 1, got " + maxLosses);
    }
  }

  /** A drone silent for this long is shown offline. */
  public long droneStaleAfterMs() {
    return heartbeatInterval.multipliedBy(3).toMillis();
  }
}

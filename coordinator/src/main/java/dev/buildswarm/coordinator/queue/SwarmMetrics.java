package dev.buildswarm.coordinator.queue;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.FailureClass;

/**
 * What the service layer counts as it works, for {@code /metrics}. The service layer says what
 * happened in the operator's words; an adapter decides how it is exposed. Counts are this
 * coordinator's own: each state change is one script run by one coordinator, so summing the
 * coordinators of a swarm counts every claim, expiry and retry once. Implementations are
 * thread-safe.
 */
public interface SwarmMetrics {

  /** Counts nothing: for tests and tools that have no {@code /metrics}. */
  SwarmMetrics NONE = new SwarmMetrics() {};

  /** The answer to one claim (an explicit claim, or the next package asked for with a verdict). */
  default void claimAnswered(Claim answer) {}

  /** The reaper took back {@code leases} expired leases. */
  default void leasesExpired(int leases) {}

  /**
   * A failed build was judged: {@code retried} when it waits for another attempt, otherwise it
   * failed for good.
   */
  default void failureJudged(FailureClass failureClass, boolean retried) {}

  /** Binary packages were stored under a lease and recorded for their package. */
  default void artifactsStored(int files, long bytes) {}

  /** One Lua script ran (or failed) in this many nanoseconds. */
  default void scriptRan(String script, long nanos) {}
}

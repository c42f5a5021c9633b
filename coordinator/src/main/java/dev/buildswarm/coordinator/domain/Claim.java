package dev.buildswarm.coordinator.domain;

/**
 * The answer to "give this drone a package": one was claimed for it, nothing is ready, or this drone
 * may not claim.
 */
public sealed interface Claim {

  /**
   * A package now leased to the drone.
   *
   * @param packageId the package's id
   * @param atom the atom as queued (immutable)
   * @param attempt 1 for the first attempt
   * @param token the lease's fencing token; every report must carry it
   */
  record Claimed(String packageId, String atom, int attempt, long token) implements Claim {}

  /** Nothing ready for this drone. */
  record Empty() implements Claim {}

  /**
   * The drone may not claim now, whatever is ready: it is grounded or draining. Others may.
   *
   * @param reason {@code grounded} or {@code draining}
   */
  record Held(String reason) implements Claim {}
}

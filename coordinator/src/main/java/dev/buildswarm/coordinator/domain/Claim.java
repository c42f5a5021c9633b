package dev.buildswarm.coordinator.domain;

/** The answer to "give this drone a package": one was claimed for it, or nothing is ready. */
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
}

package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.Claim;

/** The session's way to its drone (the gRPC stream, in production). Implementations are thread-safe. */
public interface DroneLink {

  /** Hands the drone a claimed package. Returns false when the drone can no longer be reached. */
  boolean assign(Claim.Claimed claim);

  /** Tells the drone to stop a build. */
  void cancel(String packageId, long token, String reason);

  /** Ends the session from the coordinator's side. */
  void close(String reason);
}

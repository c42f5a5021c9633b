package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneOrders;
import java.time.Duration;

/** The session's way to its drone (the gRPC stream, in production). Implementations are thread-safe. */
public interface DroneLink {

  /** Hands the drone a claimed package. Returns false when the drone can no longer be reached. */
  boolean assign(Claim.Claimed claim);

  /**
   * Runs {@code storing}, which stores the drone's verdict on a package, then acknowledges the
   * verdict (the drone may forget it): on the assignment {@code storing}'s own step claimed, when
   * the drone reads those, else on its own. Not acknowledged when {@code storing} threw: the drone
   * sends the verdict again after it reconnects.
   */
  void storeThenAcknowledge(String packageId, long token, Runnable storing);

  /** Tells the drone to stop a build. */
  void cancel(String packageId, long token, String reason);

  /** Tells the drone the orders it stands under (grounded, draining). */
  void orders(DroneOrders orders);

  /** Tells the drone this coordinator is shutting down: reconnect after the delay, keep building. */
  void shutdown(String reason, Duration reconnectAfter);

  /** Ends the session from the coordinator's side. */
  void close(String reason);
}

package dev.buildswarm.coordinator.domain;

/**
 * The orders a drone stands under: grounded (with why) and draining. Either keeps it from claiming.
 *
 * @param groundedReason why it is grounded; empty when it is not
 * @param draining whether it finishes its running builds and takes nothing new
 */
public record DroneOrders(String groundedReason, boolean draining) {
  public static final DroneOrders NONE = new DroneOrders("", false);

  public DroneOrders {
    groundedReason = groundedReason == null ? "" : groundedReason;
  }

  public boolean grounded() {
    return !groundedReason.isEmpty();
  }
}

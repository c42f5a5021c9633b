package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.domain.FailureClass;

/**
 * A drone's word that a build ended.
 *
 * @param packageId the package
 * @param token the lease's fencing token
 * @param success whether it succeeded
 * @param durationMs how long it ran
 * @param reason why it failed, empty on success
 * @param abandoned the drone gave the build up (shutting down): no verdict on the package
 * @param failureClass for a failure, its class as the drone judged it
 * @param artifacts for a success, how many binary packages the drone uploaded for it
 */
public record BuildReport(
    String packageId,
    long token,
    boolean success,
    long durationMs,
    String reason,
    boolean abandoned,
    FailureClass failureClass,
    int artifacts) {

  public BuildReport(
      String packageId, long token, boolean success, long durationMs, String reason, boolean abandoned,
      FailureClass failureClass) {
    this(packageId, token, success, durationMs, reason, abandoned, failureClass, 0);
  }
}

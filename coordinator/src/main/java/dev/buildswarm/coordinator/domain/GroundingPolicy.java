package dev.buildswarm.coordinator.domain;

import java.time.Duration;

/**
 * When the coordinator grounds a drone on its own: the host, not the packages, looks broken.
 *
 * @param droneFailuresInRow DRONE-class failures on the drone with no success between (0 = off)
 * @param failuresInRow TRANSIENT or DRONE failures with no success between, within {@code window}
 *     (0 = off); PERMANENT failures are the packages' fault and never count
 * @param window how far back {@code failuresInRow} looks
 */
public record GroundingPolicy(int droneFailuresInRow, int failuresInRow, Duration window) {
  public static final GroundingPolicy DEFAULT = new GroundingPolicy(3, 6, Duration.ofMinutes(30));
  /** Never grounds a drone on its own (operators still can). */
  public static final GroundingPolicy OFF = new GroundingPolicy(0, 0, Duration.ofMinutes(30));

  public GroundingPolicy {
    if (droneFailuresInRow < 0 || failuresInRow < 0) {
      throw new IllegalArgumentException("grounding limits must be 0 (off) or more");
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("grounding window must be positive, got " + window);
    }
  }
}

package dev.buildswarm.coordinator.queue;

import dev.buildswarm.coordinator.domain.DroneVitals;
import java.util.List;

/**
 * One write of a drone's bucket by one of its sessions.
 *
 * @param sessionId the writing session
 * @param opening true when the session takes the bucket over (registration)
 * @param state idle, building or offline
 * @param running the builds it runs, as {@code id=atom}
 * @param coordinatorId which coordinator holds the session
 * @param builtDelta successful builds to add to the drone's counter
 * @param failedDelta failed builds to add to the drone's counter
 * @param vitals the host's figures from its last heartbeat, or null when this write has none
 */
public record BucketUpdate(
    String sessionId,
    boolean opening,
    String state,
    List<String> running,
    String coordinatorId,
    int builtDelta,
    int failedDelta,
    DroneVitals vitals) {
  public BucketUpdate {
    running = List.copyOf(running);
  }
}

package dev.buildswarm.coordinator.queue;

/** Tells a drone to stop a build whose package was cancelled (when its session is here). */
public interface BuildStopper {
  void stop(String drone, String packageId, long token, String reason);
}

package dev.buildswarm.coordinator.drones;

import dev.buildswarm.coordinator.queue.BuildStopper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The drone sessions open on this coordinator, by drone name. A drone that connects again (after a
 * network blip the old stream may not have noticed yet) replaces its old session. Thread-safe.
 */
public final class DroneSessions implements BuildStopper {
  private static final Duration RECONNECT_AFTER_SHUTDOWN = Duration.ofSeconds(1);
  private final Map<String, DroneSession> byName = new ConcurrentHashMap<>();

  /** Adds a session, closing any older one of the same drone. */
  public void add(DroneSession session) {
    DroneSession old = byName.put(session.drone().name(), session);
    if (old != null && old != session) {
      old.replaced();
    }
  }

  /** Removes the session if it is still the current one for its drone, and closes it. */
  public void remove(DroneSession session) {
    byName.remove(session.drone().name(), session);
    session.close();
  }

  /** Tells the drone to stop the build, when its session is on this coordinator. */
  @Override
  public void stop(String drone, String packageId, long token, String reason) {
    DroneSession session = byName.get(drone);
    if (session != null) {
      session.stopBuild(packageId, token, reason);
    }
  }

  /** The sessions open now. */
  public List<DroneSession> all() {
    return List.copyOf(byName.values());
  }

  /**
   * This coordinator is stopping: each drone is told (it keeps building and reconnects, to this
   * coordinator restarted or to another one), then its session is closed.
   */
  public void closeAll() {
    for (DroneSession session : byName.values()) {
      session.coordinatorStopping("coordinator shutting down", RECONNECT_AFTER_SHUTDOWN);
      session.close();
    }
    byName.clear();
  }
}

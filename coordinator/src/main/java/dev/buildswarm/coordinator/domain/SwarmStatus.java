package dev.buildswarm.coordinator.domain;

import java.util.Map;

/**
 * The summary an operator asks for with {@code swarm status}.
 *
 * @param packagesByState number of packages per state name
 * @param dronesByState number of drones per state (idle, building, offline)
 * @param coresActive cores of drones that are building
 * @param coresTotal cores of drones that are online
 * @param swarmState IDLE, BUILDING, WAITING (work queued but no drone online), PAUSED or FINISHED
 * @param openExpectedMs expected build time of every package that has not ended, summed
 * @param workingSlots build slots of the drones that can take work (online, not grounded or
 *     draining)
 * @param etaMs {@code openExpectedMs} spread over {@code workingSlots}; -1 when no slot can work
 */
public record SwarmStatus(
    Map<String, Long> packagesByState,
    Map<String, Long> dronesByState,
    long coresActive,
    long coresTotal,
    String swarmState,
    long openExpectedMs,
    long workingSlots,
    long etaMs) {

  public SwarmStatus {
    packagesByState = Map.copyOf(packagesByState);
    dronesByState = Map.copyOf(dronesByState);
  }

  /** Derives the overall state from the counts. */
  public static String overallState(Map<String, Long> packages, long dronesOnline) {
    long active =
        packages.getOrDefault("claimed", 0L) + packages.getOrDefault("building", 0L);
    long queued =
        packages.getOrDefault("queued", 0L)
            + packages.getOrDefault("delayed", 0L)
            + packages.getOrDefault("blocked", 0L);
    long finished = packages.getOrDefault("done", 0L) + packages.getOrDefault("failed", 0L);
    if (active > 0) {
      return "BUILDING";
    }
    if (queued > 0) {
      return dronesOnline > 0 ? "BUILDING" : "WAITING";
    }
    return finished > 0 ? "FINISHED" : "IDLE";
  }
}

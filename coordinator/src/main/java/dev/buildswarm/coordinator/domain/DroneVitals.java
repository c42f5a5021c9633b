package dev.buildswarm.coordinator.domain;

/**
 * How a drone's host is doing, from its last heartbeat.
 *
 * @param loadAverage 1-minute load average; -1 when unknown (also for NaN, infinite or negative
 *     values a drone may send, which would otherwise reach the dashboard's JSON as NaN)
 * @param freeDiskBytes free space where builds write; never negative
 * @param memoryAvailableBytes memory available to new processes; 0 when unknown, never negative
 */
public record DroneVitals(double loadAverage, long freeDiskBytes, long memoryAvailableBytes) {
  public static final DroneVitals UNKNOWN = new DroneVitals(-1, 0, 0);

  public DroneVitals {
    if (!(loadAverage >= 0 && Double.isFinite(loadAverage))) {
      loadAverage = -1;
    }
    freeDiskBytes = Math.max(0, freeDiskBytes);
    memoryAvailableBytes = Math.max(0, memoryAvailableBytes);
  }
}

package dev.buildswarm.coordinator.domain;

/**
 * How a drone's host is doing, from its last heartbeat.
 *
 * @param loadAverage 1-minute load average; negative when unknown
 * @param freeDiskBytes free space where builds write
 * @param memoryAvailableBytes memory available to new processes; 0 when unknown
 */
public record DroneVitals(double loadAverage, long freeDiskBytes, long memoryAvailableBytes) {
  public static final DroneVitals UNKNOWN = new DroneVitals(-1, 0, 0);
}

/**
 * Drone sessions on this coordinator: each session claims work for its drone whenever it has a free
 * slot and work may be ready, and keeps the drone's own bucket. Knows nothing of gRPC: it talks to
 * the drone through {@link dev.buildswarm.coordinator.drones.DroneLink}.
 */
package dev.buildswarm.coordinator.drones;

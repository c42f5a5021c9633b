/**
 * The service layer: {@link dev.buildswarm.coordinator.queue.SwarmService} is what every entry point
 * (drone sessions, the admin API behind the CLI, later HTTP and the dashboard's actions) calls.
 * Validation, limits and wake-ups live here, not at the call sites. {@code JobQueue} and
 * {@code DroneBuckets} are the ports the Redis adapter implements.
 */
package dev.buildswarm.coordinator.queue;

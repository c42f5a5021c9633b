/**
 * The coordinator's meters (Micrometer, exposed in the Prometheus text format at {@code /metrics}):
 * what the service layer counts through {@code SwarmMetrics}, and the swarm's state read from Redis
 * at each scrape. docs/operations.md lists every metric.
 */
package dev.buildswarm.coordinator.metrics;

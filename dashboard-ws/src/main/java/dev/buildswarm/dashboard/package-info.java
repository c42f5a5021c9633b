/**
 * The live dashboard. {@code feed} merges the per-drone buckets and queue counts from Redis into one
 * snapshot (it never writes a shared all-drones object: lesson 4); {@code ws} pushes snapshots over
 * WebSocket; {@code web} serves the page. Holds no state that matters: restart it and pages recover.
 */
package dev.buildswarm.dashboard;

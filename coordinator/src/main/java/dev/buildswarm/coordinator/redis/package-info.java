/**
 * The Redis adapter: implements the queue and bucket ports with one Lua script per state change
 * (resources {@code lua/*.lua}), loaded once and called by SHA.
 */
package dev.buildswarm.coordinator.redis;

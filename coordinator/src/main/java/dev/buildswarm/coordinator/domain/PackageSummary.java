package dev.buildswarm.coordinator.domain;

/**
 * One package in a listing.
 *
 * @param drone the drone of its last attempt; empty before the first
 * @param reason why it failed or was cancelled; empty otherwise
 */
public record PackageSummary(
    String id, String atom, String state, int attempt, String drone, String reason, long updatedMs, long expectedMs) {}

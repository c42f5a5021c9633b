package dev.buildswarm.coordinator.domain;

/**
 * What an operator's order to a drone did.
 *
 * @param changed false when the drone already stood as ordered
 * @param orders the drone's orders now
 */
public record DroneOrderOutcome(boolean changed, DroneOrders orders) {}

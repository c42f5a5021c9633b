package dev.buildswarm.coordinator.domain;

/**
 * What enqueueing one atom did.
 *
 * @param atom the canonical atom
 * @param packageId its package id (the existing one when it was already in the swarm)
 * @param queued false when the atom was already queued, claimed or building
 * @param state its state after the call
 */
public record EnqueueOutcome(String atom, String packageId, boolean queued, String state) {}

/** Credentials on the coordinator's entry points: who may join, drive and read the swarm. */
package dev.buildswarm.coordinator.access;

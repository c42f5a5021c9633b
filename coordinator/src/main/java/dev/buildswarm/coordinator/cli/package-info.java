/**
 * The {@code swarm} CLI (Picocli). Each command is a thin client of the coordinator's AdminService
 * over gRPC, so it gets the same validation and controls as every other entry point.
 */
package dev.buildswarm.coordinator.cli;

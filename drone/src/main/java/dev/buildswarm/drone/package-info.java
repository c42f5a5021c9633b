/**
 * The drone: the agent on a build host. {@code client} holds the session to the coordinator,
 * {@code worker} turns assignments into builds and reports, {@code runner} runs one build process.
 */
package dev.buildswarm.drone;

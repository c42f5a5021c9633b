/**
 * Turning an atom into an argv and running it as a process tree in a process group of its own,
 * ended as a whole; bounding the log it streams ({@code LogLimit}). No gRPC here.
 */
package dev.buildswarm.drone.runner;

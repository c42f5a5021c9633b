/** Turning an atom into an argv and running it as a process tree. No gRPC here. */
package dev.buildswarm.drone.runner;

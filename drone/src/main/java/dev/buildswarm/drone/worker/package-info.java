/** The drone's loops: session upkeep, heartbeats, and one virtual thread per build. */
package dev.buildswarm.drone.worker;

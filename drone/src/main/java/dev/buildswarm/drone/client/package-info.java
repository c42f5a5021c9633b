/** The drone's end of the gRPC connection to its coordinator. */
package dev.buildswarm.drone.client;

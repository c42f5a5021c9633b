/**
 * The drone's small HTTP server (off unless {@code --http-port} or {@code BUILDSWARM_DRONE_HTTP_PORT}
 * is set): {@code /health} and {@code /metrics}, both public, read-only routes.
 */
package dev.buildswarm.drone.http;

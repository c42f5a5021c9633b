/**
 * TLS for the gRPC clients of a coordinator (drone, {@code swarm} CLI, dashboard): one place that
 * turns an address and PEM file names into transport credentials, so the three agree on what
 * {@code tls://}, a CA file and a client certificate mean. Knows only grpc-api.
 */
package dev.buildswarm.tls;

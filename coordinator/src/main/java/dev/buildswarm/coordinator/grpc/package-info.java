/**
 * gRPC adapters: validate, map between proto and domain, call the service layer, map back. Errors
 * become {@code Status} codes in {@link dev.buildswarm.coordinator.grpc.GrpcErrors}.
 */
package dev.buildswarm.coordinator.grpc;

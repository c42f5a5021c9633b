/**
 * The coordinator: holds no state of its own (Redis holds it all), serves drones and operators.
 * {@code domain} is pure logic; {@code queue} is the service layer every entry point calls;
 * {@code drones} holds the drone sessions and the dispatcher that hands them work; {@code redis}, {@code grpc}, {@code http} and
 * {@code cli} are adapters.
 */
package dev.buildswarm.coordinator;

/**
 * The coordinator: holds no state of its own (Redis holds it all), serves drones and operators.
 * {@code domain} is pure logic; {@code queue} is the service layer every entry point calls;
 * {@code drones} runs each drone session's claim loop; {@code redis}, {@code grpc}, {@code http} and
 * {@code cli} are adapters.
 */
package dev.buildswarm.coordinator;

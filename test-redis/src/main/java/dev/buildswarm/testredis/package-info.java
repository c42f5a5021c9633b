/**
 * Real Redis for tests: each test class gets a server of its own (or, on a shared server, a swarm
 * name of its own). Never a mock or an in-memory fake.
 */
package dev.buildswarm.testredis;

/**
 * The Gentoo package atom grammar (PMS, "Package dependency specifications"), restricted to what a
 * swarm can queue and build. Owns parsing, validation and the parts an argv template may use. Knows
 * nothing of Redis, gRPC or processes.
 */
package dev.buildswarm.atom;

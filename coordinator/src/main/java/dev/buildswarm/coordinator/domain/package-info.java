/** Package states, claim and report results, status: plain data and rules, no I/O. */
package dev.buildswarm.coordinator.domain;

/** The lease reaper loop. */
package dev.buildswarm.coordinator.leases;

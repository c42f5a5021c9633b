/**
 * The binhost: binary packages uploaded by drones, written atomically into a directory that the
 * coordinator serves over HTTP as a {@code PORTAGE_BINHOST}.
 */
package dev.buildswarm.coordinator.binhost;

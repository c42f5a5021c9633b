/** HTTP adapters: health and metrics (public routes), and the binhost. */
package dev.buildswarm.coordinator.http;

/** HTTP adapters: health now; the binhost and metrics come later. */
package dev.buildswarm.coordinator.http;

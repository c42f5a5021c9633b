/** The WebSocket endpoint that pushes snapshots to pages. */
package dev.buildswarm.dashboard.ws;

/** Serves the dashboard page. */
package dev.buildswarm.dashboard.web;

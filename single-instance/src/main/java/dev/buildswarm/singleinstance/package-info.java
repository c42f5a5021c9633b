/**
 * Single instance: the pidfile guard each buildswarm daemon (drone, coordinator) takes before it
 * does anything else, so a restart or a redeploy can never leave two copies running. Owns the
 * pidfile's lock, its content (the holder's pid), the default location, and the takeover of a
 * running holder (SIGTERM, a grace period, SIGKILL). Plain Java: no framework, no logging library.
 */
package dev.buildswarm.singleinstance;

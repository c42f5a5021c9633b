package dev.buildswarm.dashboard.actions;

/** What an action came to: an HTTP status for the page and a message saying what happened. */
public record ActionResult(int httpStatus, String message) {}

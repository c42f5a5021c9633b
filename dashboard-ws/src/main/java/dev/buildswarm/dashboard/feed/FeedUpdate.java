package dev.buildswarm.dashboard.feed;

/**
 * One step of the feed: its sequence number, the whole snapshot at that step (for pages that
 * connect or resync) and the delta from the step before (for pages that are up to date). Both are
 * JSON text, serialised once for every page. Immutable.
 */
public record FeedUpdate(long seq, String snapshotJson, String deltaJson) {}

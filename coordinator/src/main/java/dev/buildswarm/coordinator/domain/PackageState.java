package dev.buildswarm.coordinator.domain;

/**
 * Where a package is in its life. The names are what Redis stores and what operators read.
 *
 * <pre>
 * blocked --last dependency done--> queued --claim--> claimed --started--> building --> done
 *                                     ^  ^               |                   |
 *                                     |  +-- lease lost / given back --------+
 *                                     +-- backoff over -- delayed <-- transient failure
 *                                   permanent failure, attempts exhausted --> failed
 *                                   cancel (any state that has not ended) --> cancelled
 * </pre>
 *
 * Drawn again in docs/architecture.md; the transitions themselves are the Lua scripts.
 */
public enum PackageState {
  BLOCKED,
  QUEUED,
  DELAYED,
  CLAIMED,
  BUILDING,
  DONE,
  FAILED,
  CANCELLED;

  /** The name stored in Redis and shown to operators. */
  public String wireName() {
    return name().toLowerCase();
  }
}

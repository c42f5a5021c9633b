package dev.buildswarm.coordinator.domain;

/** What became of a drone's report about a leased package. */
public sealed interface Report {

  /** Applied. */
  record Accepted() implements Report {}

  /**
   * Not applied (and recorded as an event): the report's owner or token is not the lease's.
   *
   * @param reason why, e.g. "stale token 3 (current 7)"
   */
  record Refused(String reason) implements Report {}

  static Report accepted() {
    return new Accepted();
  }
}

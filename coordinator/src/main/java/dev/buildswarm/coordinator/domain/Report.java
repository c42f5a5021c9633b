package dev.buildswarm.coordinator.domain;

/** What became of a drone's report about a leased package. */
public sealed interface Report {

  /**
   * Applied.
   *
   * @param outcome what it led to where that varies, e.g. "delayed" or "failed" for a failure,
   *     "queued" or "blocked" for a retry; empty otherwise
   */
  record Accepted(String outcome) implements Report {}

  /**
   * A package was cancelled.
   *
   * @param previousState the state it was in
   * @param drone the drone that was building it, empty when none
   * @param token that build's lease token, 0 when none
   */
  record Cancelled(String previousState, String drone, long token) implements Report {}

  /**
   * Not applied (and recorded as an event): the report's owner or token is not the lease's.
   *
   * @param reason why, e.g. "stale token 3 (current 7)"
   */
  record Refused(String reason) implements Report {}

}

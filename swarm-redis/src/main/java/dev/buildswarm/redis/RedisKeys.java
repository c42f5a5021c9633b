package dev.buildswarm.redis;

import java.util.regex.Pattern;

/**
 * Every key of one swarm. All share the hash tag {@code {swarm}}, so they live in one Redis Cluster
 * slot and a Lua script may touch any of them. Thread-safe (immutable).
 */
public final class RedisKeys {

  private static final Pattern SWARM_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String swarm;
  private final String prefix;

  public RedisKeys(String swarm) {
    if (swarm == null || !SWARM_NAME.matcher(swarm).matches()) {
      throw new IllegalArgumentException(
          "invalid swarm name '" + swarm + "': use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    this.swarm = swarm;
    this.prefix = "bs:{" + swarm + "}:";
  }

  public String swarm() {
    return swarm;
  }

  /** The common prefix; scripts derive per-package keys from it as {@code prefix + "pkg:" + id}. */
  public String prefix() {
    return prefix;
  }

  /** Hash: one package's record (atom, state, attempt, owner, token, lease, times, reason). */
  public String pkg(String packageId) {
    return prefix + "pkg:" + packageId;
  }

  /** List: one attempt's build output, newest last, capped (see append_log.lua). */
  public String log(String packageId, int attempt) {
    return prefix + "log:" + packageId + ":" + attempt;
  }

  /** String counter: the last package id handed out. */
  public String packageSequence() {
    return prefix + "seq";
  }

  /** String counter: the last fencing token handed out. */
  public String fencingTokens() {
    return prefix + "fence";
  }

  /** Hash atom to package id, for packages not in a terminal state (dedupe on enqueue). */
  public String activeAtoms() {
    return prefix + "active";
  }

  /** Sorted set of queued package ids; the lowest score is claimed first. */
  public String ready() {
    return prefix + "ready";
  }

  /** Sorted set of claimed or building package ids, scored by lease expiry (epoch ms). */
  public String leases() {
    return prefix + "leases";
  }

  /** Hash state name to number of packages in that state. */
  public String stateCounts() {
    return prefix + "counts";
  }

  /** Sorted set of delayed package ids (waiting out a retry backoff), scored by when they are due. */
  public String delayed() {
    return prefix + "delayed";
  }

  /** String: present while the queue is paused (claims return nothing). */
  public String paused() {
    return prefix + "paused";
  }

  /** Hash atom to the id of its last package that was built (done): a dependency met already. */
  public String built() {
    return prefix + "built";
  }

  /** Hash: id of each unfinished package this package waits for, to its atom. */
  public String dependencies(String packageId) {
    return prefix + "deps:" + packageId;
  }

  /** Set: ids of packages waiting for this one. */
  public String dependents(String packageId) {
    return prefix + "dependents:" + packageId;
  }

  /** Set: ids of ended packages in one terminal state (done, failed, cancelled), for clearing. */
  public String endedIn(String state) {
    return prefix + "state:" + state;
  }

  /**
   * Hash cat/pkg to 'mean n': expected build time in ms (exponentially weighted mean of recorded
   * builds) and the number of builds recorded.
   */
  public String history() {
    return prefix + "history";
  }

  /** Builds recorded per package name, as versions before the fourth session kept them (read only). */
  public String historyCount() {
    return prefix + "history_n";
  }

  /** Stream: every transition, in absolute order. */
  public String events() {
    return prefix + "events";
  }

  /** Set of drone names that have ever registered: an index of buckets, not a state object. */
  public String droneIndex() {
    return prefix + "drones";
  }

  /**
   * Set of drones whose bucket holds an operator's hold (grounded, draining) or a failure streak:
   * an index of those fields, so grouped verdicts read only these buckets.
   */
  public String markedDrones() {
    return prefix + "drones_marked";
  }

  /** Hash: one drone's state bucket; written only through that drone's session. */
  public String droneBucket(String droneName) {
    return prefix + "drone:" + droneName;
  }

  /** Pub/sub channel: "stop this build" (drone, package, token, reason), for a cancelled package. */
  public String stopChannel() {
    return prefix + "stop";
  }

  /** Pub/sub channel: "work may be ready", so every coordinator wakes its idle sessions. */
  public String workChannel() {
    return prefix + "work";
  }
}

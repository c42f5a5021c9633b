package dev.buildswarm.dashboard.feed;

import java.util.List;
import java.util.Map;

/**
 * Everything the page shows, merged from every drone's own bucket and the queue counts. Immutable;
 * serialised to JSON as is.
 *
 * @param type always "snapshot"
 * @param seq increases by one per snapshot pushed; a client that sees a gap knows it missed one
 * @param atMs when it was read (epoch ms)
 * @param swarm the swarm's name
 * @param packages number of packages per state
 * @param drones one entry per drone, sorted by name
 * @param summary header figures
 */
public record SwarmSnapshot(
    String type,
    long seq,
    long atMs,
    String swarm,
    Map<String, Long> packages,
    List<Drone> drones,
    Summary summary) {

  /** One drone's card. */
  public record Drone(
      String name,
      String host,
      String state,
      int cores,
      int slots,
      List<String> running,
      String version,
      long heartbeatAgeMs,
      long built,
      long failed) {}

  /** The header line. */
  public record Summary(
      long packagesTotal, long building, long idle, long offline, long coresActive, String state) {}

  /** What a page shows before the first read of the swarm: nothing, and "connecting". */
  static SwarmSnapshot empty() {
    return new SwarmSnapshot(
        "snapshot", 0, 0, "", Map.of(), List.of(), new Summary(0, 0, 0, 0, 0, "CONNECTING"));
  }

  /** The same content with another sequence number and time. */
  SwarmSnapshot withSeq(long newSeq, long newAtMs) {
    return new SwarmSnapshot(type, newSeq, newAtMs, swarm, packages, drones, summary);
  }

  /** True when what the page shows differs (sequence, time and heartbeat ages aside). */
  boolean sameContentAs(SwarmSnapshot other) {
    return other != null
        && packages.equals(other.packages)
        && summary.equals(other.summary)
        && stripAges(drones).equals(stripAges(other.drones));
  }

  private static List<Drone> stripAges(List<Drone> drones) {
    return drones.stream()
        .map(d -> new Drone(d.name(), d.host(), d.state(), d.cores(), d.slots(), d.running(), d.version(), 0, d.built(), d.failed()))
        .toList();
  }
}

package dev.buildswarm.dashboard.feed;

import java.util.List;
import java.util.Map;

/**
 * Everything the page shows, merged from every drone's own bucket, the queue counts, the event
 * stream and a few package records. Immutable; serialised to JSON as is. Long lists are capped here
 * (newest failed packages, newest events) and big ones are only counted: 50,000 queued packages are
 * eight numbers, not 50,000 rows.
 *
 * @param type always "snapshot"
 * @param seq the feed's sequence number when this was read; deltas follow with seq + 1, seq + 2...
 * @param atMs when it was read (epoch ms, the dashboard's clock); ages are computed against it
 * @param swarm the swarm's name
 * @param summary the header line and its figures
 * @param packages number of packages per state
 * @param queue progress and the estimate of the time left
 * @param drones one card per drone, sorted by name
 * @param failed the newest failed packages with their reasons and log tails
 * @param events the newest events, newest first (older ones: {@code GET /api/events?before=})
 * @param throughput packages finished per minute, oldest minute first
 * @param utilisation busy slots per drone over time
 */
public record SwarmSnapshot(
    String type,
    long seq,
    long atMs,
    String swarm,
    Summary summary,
    Map<String, Long> packages,
    Queue queue,
    List<Drone> drones,
    Failed failed,
    List<Event> events,
    List<Minute> throughput,
    Utilisation utilisation) {

  public SwarmSnapshot {
    packages = Map.copyOf(packages);
    drones = List.copyOf(drones);
    events = List.copyOf(events);
    throughput = List.copyOf(throughput);
  }

  /**
   * The header.
   *
   * @param header the line as shown, e.g. {@code Queue: 152 packages · Drones: 4 active, 0 idle, 0
   *     grounded · Cores: 58 active · BUILDING}
   * @param queued packages that have not ended (blocked, queued, delayed, claimed, building)
   * @param active drones building (grounded ones aside)
   * @param idle drones online with nothing to build (grounded ones aside)
   * @param grounded drones grounded, online or not
   * @param offline drones not heard from for three heartbeat intervals (grounded ones aside)
   * @param coresActive cores of the drones building
   * @param state IDLE, BUILDING, WAITING, PAUSED or FINISHED (as {@code swarm status} says)
   */
  public record Summary(
      String header, long queued, long active, long idle, long grounded, long offline, long coresActive, String state) {}

  /**
   * Queue progress.
   *
   * @param total packages in any state
   * @param ended done, failed or cancelled
   * @param remainingWorkMs expected build time of every package that has not ended, less what the
   *     running ones have built already (from recorded durations); -1 before it was first computed
   * @param slots build slots of the drones that may claim (online, not grounded, not draining)
   * @param etaMs {@code remainingWorkMs / slots}; -1 when unknown (no slots, or not computed yet)
   */
  public record Queue(long total, long ended, long remainingWorkMs, long slots, long etaMs) {}

  /** One drone's card. {@code grounded} is the reason, empty when it is not grounded. */
  public record Drone(
      String name,
      String host,
      String state,
      String grounded,
      boolean draining,
      int cores,
      int slots,
      double speedFactor,
      List<Build> running,
      String version,
      long lastHeartbeatMs,
      double loadAverage,
      long freeDiskBytes,
      long memoryAvailableBytes,
      long built,
      long failed,
      String coordinator,
      Map<String, String> capabilities) {
    public Drone {
      running = List.copyOf(running);
      capabilities = Map.copyOf(capabilities);
    }
  }

  /**
   * A build running on a drone.
   *
   * @param startedMs when the drone started it; 0 while it is only claimed
   * @param expectedMs its expected duration (from recorded builds of the package name)
   */
  public record Build(String id, String atom, long startedMs, long expectedMs) {}

  /** The newest failed packages (at most a few dozen) and how many there are in all. */
  public record Failed(long total, List<FailedPackage> newest) {
    public Failed {
      newest = List.copyOf(newest);
    }
  }

  /** A failed package, its reason and the last lines of its build log. */
  public record FailedPackage(
      String id, String atom, String reason, String drone, String failureClass, long finishedMs, List<String> logTail) {
    public FailedPackage {
      logTail = List.copyOf(logTail);
    }
  }

  /** An event of the stream: its id (the cursor) and its fields ({@code type ts id atom drone ...}). */
  public record Event(String id, Map<String, String> fields) {
    public Event {
      fields = Map.copyOf(fields);
    }
  }

  /** Packages that ended in one minute (starting at {@code startMs}). */
  public record Minute(long startMs, long done, long failed) {}

  /**
   * Busy slots over time, one column per {@code stepMs}, the last ending at {@code endMs}. Each
   * drone's row is a string with one character per column: {@code 0}-{@code 9} for 0-90 % of its
   * slots busy, {@code X} for all, {@code .} when offline or not yet seen. Compact on purpose: 500
   * drones × 60 columns is 30 kB.
   */
  public record Utilisation(long stepMs, long endMs, Map<String, String> rows) {
    public Utilisation {
      rows = Map.copyOf(rows);
    }
  }
}

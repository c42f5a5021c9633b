package dev.buildswarm.coordinator.queue;

import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.LogPage;
import dev.buildswarm.coordinator.domain.PackagePage;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;

/**
 * The package queue's storage. Each method that changes state is one atomic step (one Lua script
 * in Redis): either all of it happens or none of it does. Implementations are thread-safe.
 */
public interface JobQueue {

  /**
   * Queues the atoms in one step, in the given order (dependencies first); atoms already in the
   * swarm (not ended) are not queued again.
   *
   * @throws IllegalArgumentException when a dependency is neither in the request nor in the swarm;
   *     nothing was queued
   */
  List<EnqueueOutcome> enqueue(List<QueuedAtom> atoms, int priority, long nowMs, Duration defaultExpected);

  /** Compare-and-claim the best ready package for the drone, with a lease of {@code leaseTtl}. */
  Claim claim(String drone, long nowMs, Duration leaseTtl);

  /**
   * The drone started the build: claimed becomes building. Answered later (grouped with other
   * reports); the build's verdict may be applied before it, and then it changes nothing.
   */
  CompletableFuture<Report> started(String drone, String packageId, long token, long nowMs, Duration leaseTtl);

  Report renew(String drone, String packageId, long token, long nowMs, Duration leaseTtl);

  /**
   * A successful build: done. With {@code claimNextFor} (a drone name, or empty), that drone's next
   * package is claimed in the same step, with a lease of {@code leaseTtl}.
   */
  default Verdict complete(
      String drone, String packageId, long token, long nowMs, long durationMs, String claimNextFor, Duration leaseTtl) {
    return complete(drone, packageId, token, nowMs, durationMs, claimNextFor, leaseTtl, 0);
  }

  /**
   * As above, for a build that uploaded {@code artifacts} binary packages: refused unless they
   * were stored under this lease ({@link #recordArtifacts}).
   */
  Verdict complete(
      String drone, String packageId, long token, long nowMs, long durationMs, String claimNextFor, Duration leaseTtl,
      int artifacts);

  /** Records the binary packages stored for a build, under its lease. */
  Report recordArtifacts(String drone, String packageId, long token, long nowMs, List<Artifact> artifacts);

  /**
   * A failed build: retried after a backoff or failed for good, by its class and the policy.
   * Accepted's outcome is "delayed" or "failed". {@code claimNextFor} as for {@link #complete}.
   *
   * @param random a number in [0, 1) for the jitter
   * @param grounding when the failure grounds the drone (see {@link GroundingPolicy})
   */
  Verdict fail(
      String drone,
      String packageId,
      long token,
      long nowMs,
      long durationMs,
      String reason,
      FailureClass failureClass,
      RetryPolicy policy,
      GroundingPolicy grounding,
      double random,
      String claimNextFor,
      Duration leaseTtl);

  /** The lease holder gives the package back to the queue without a verdict (not a failure). */
  Report release(String drone, String packageId, long token, long nowMs, String reason);

  /** Appends build output to the package's log, keeping the last {@code keepLines} entries. */
  Report appendLog(String drone, String packageId, long token, long nowMs, String text, int keepLines);

  /** Cancels a package that has not ended; {@link Report.Cancelled} says whether a build ran. */
  Report cancel(String packageId, long nowMs, String reason);

  /** Queues a failed or cancelled package again; Accepted's outcome is "queued" or "blocked". */
  Report retry(String packageId, long nowMs);

  /** Forgets an ended package. */
  Report remove(String packageId, long nowMs);

  /** Forgets up to {@code batch} ended packages of a state; returns how many. */
  int clear(String state, long nowMs, int batch);

  /** Pauses (claims return nothing) or resumes the queue; returns whether that changed anything. */
  boolean setPaused(boolean paused, long nowMs);

  boolean paused();

  /** Returns expired leases' packages to the queue (or fails those lost too often); returns how many. */
  int reapExpired(long nowMs, int batch, int maxLosses);

  /** Records build durations (category/package, duration) in order; returns how many. */
  int recordHistory(List<Map.Entry<String, Long>> durations);

  /** Expected build time in ms and number of recorded builds, per category/package. */
  Map<String, long[]> history();

  /** Number of packages in each state. */
  Map<String, Long> countsByState();

  /** Expected build time of every package that has not ended, summed (for the ETA). */
  long openExpectedMs();

  /** One package's record (fields not set left out), empty when there is none. */
  Map<String, String> packageRecord(String packageId);

  /**
   * Packages by id from {@code cursor}, of one state and/or drone when given (empty: any), at
   * most {@code limit}, looking at no more than {@code scan} ids.
   */
  PackagePage listPackages(long cursor, String state, String drone, int limit, int scan);

  /** The package's events among the {@code scan} most recent of the swarm, oldest first. */
  List<SwarmEvent> recentEventsOf(String packageId, int scan);

  /**
   * One attempt's build output (0: the last attempt) from a chunk index on.
   *
   * @throws IllegalArgumentException when the package or the attempt does not exist
   */
  LogPage log(String packageId, int attempt, long from);

  /** Up to {@code limit} events after the cursor {@code since} (empty: from the start), in order. */
  List<SwarmEvent> events(String since, int limit);

  /** The id of the package holding this atom now (not ended), if any. */
  String activePackageId(String atom);
}

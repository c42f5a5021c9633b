package dev.buildswarm.coordinator.queue;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.Report;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The package queue's storage. Each method is one atomic step (one Lua script in Redis): either all
 * of it happens or none of it does. Implementations are thread-safe.
 */
public interface JobQueue {

  /** Queues the atoms in one step; atoms already in the swarm (not terminal) are not queued again. */
  List<EnqueueOutcome> enqueue(List<Atom> atoms, int priority, long nowMs);

  /** Compare-and-claim the best ready package for the drone, with a lease of {@code leaseTtl}. */
  Claim claim(String drone, long nowMs, Duration leaseTtl);

  Report started(String drone, String packageId, long token, long nowMs, Duration leaseTtl);

  Report renew(String drone, String packageId, long token, long nowMs, Duration leaseTtl);

  Report complete(String drone, String packageId, long token, long nowMs, long durationMs);

  Report fail(String drone, String packageId, long token, long nowMs, long durationMs, String reason);

  /** The lease holder gives the package back to the queue without a verdict (not a failure). */
  Report release(String drone, String packageId, long token, long nowMs, String reason);

  /** Appends build output to the package's log, keeping the last {@code keepLines} entries. */
  Report appendLog(String drone, String packageId, long token, long nowMs, String text, int keepLines);

  /** Returns expired leases' packages to the queue (or fails those lost too often); returns how many. */
  int reapExpired(long nowMs, int batch, int maxLosses);

  /** Number of packages in each state. */
  Map<String, Long> countsByState();

  /** One package's record, empty when there is none. */
  Map<String, String> packageRecord(String packageId);
}

package dev.buildswarm.coordinator.redis;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.LogPage;
import dev.buildswarm.coordinator.domain.PackagePage;
import dev.buildswarm.coordinator.domain.PackageSummary;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.Verdict;
import dev.buildswarm.coordinator.queue.GroupCommit;
import dev.buildswarm.coordinator.queue.JobQueue;
import dev.buildswarm.coordinator.redis.LuaScripts.Script;
import dev.buildswarm.redis.EventEntries;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.codec.StringCodec;

/**
 * The queue in Redis: each state-changing method is one Lua script, whose first argument is the
 * swarm's key prefix (scripts derive the keys they touch from it). Thread-safe.
 */
public final class RedisJobQueue implements JobQueue {
  private final RedissonClient redis;
  private final RedisKeys keys;
  private final LuaScripts scripts;
  private final SwarmReader reader;
  private final GroupCommit<Completion, Supplier<Verdict>> completions;
  private final GroupCommit<Start, Supplier<Report>> starts;

  /**
   * Successful builds are sent to Redis together (group commit, see {@link GroupCommit}): up to
   * {@link #COMPLETION_BATCH} verdicts in one call of complete.lua, {@link #COMPLETION_WRITERS}
   * calls in flight at once. Most of a call's cost is paid once per call, and writes many verdicts
   * make to one key go out as one command.
   */
  public static final int COMPLETION_WRITERS = 2;

  public static final int COMPLETION_BATCH = 64;

  /**
   * Start reports are grouped the same way (started.lua applies many in one call): a drone reports
   * a build's start right after its assignment, so with many drones they arrive as often as
   * verdicts.
   */
  public static final int START_WRITERS = 2;

  public static final int START_BATCH = 64;

  public RedisJobQueue(RedissonClient redis, RedisKeys keys, LuaScripts scripts) {
    this.redis = redis;
    this.keys = keys;
    this.scripts = scripts;
    this.reader = new SwarmReader(redis, keys);
    this.completions = new GroupCommit<>("completions", COMPLETION_WRITERS, COMPLETION_BATCH, this::completeAll);
    this.starts = new GroupCommit<>("starts", START_WRITERS, START_BATCH, this::startedAll);
  }

  /** One build's start, as started.lua takes it. */
  private record Start(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {}

  /** One successful build's verdict, as complete.lua takes it. */
  private record Completion(
      String drone, String packageId, long token, long nowMs, long durationMs, String claimNextFor, Duration leaseTtl,
      int artifacts) {}

  private List<Object> run(Script script, String routingKey, Object... args) {
    Object[] withPrefix = new Object[args.length + 1];
    withPrefix[0] = keys.prefix();
    System.arraycopy(args, 0, withPrefix, 1, args.length);
    return scripts.run(script, List.of(routingKey), withPrefix);
  }

  @Override
  public List<EnqueueOutcome> enqueue(List<QueuedAtom> atoms, int priority, long nowMs, Duration defaultExpected) {
    List<Object> args = new ArrayList<>();
    args.add(String.valueOf(nowMs));
    args.add(String.valueOf(priority));
    args.add(String.valueOf(defaultExpected.toMillis()));
    args.add(String.valueOf(atoms.size()));
    for (QueuedAtom item : atoms) {
      args.add(item.atom().toString());
      args.add(item.atom().key());
      args.add(item.priority() == null ? "" : String.valueOf(item.priority()));
      args.add(String.valueOf(item.after().size()));
      for (Atom dep : item.after()) {
        args.add(dep.toString());
      }
    }
    List<Object> reply = run(Script.ENQUEUE, keys.stateCounts(), args.toArray());
    if ((Long) reply.get(0) == -1L) {
      throw new IllegalArgumentException(String.valueOf(reply.get(1)));
    }
    List<EnqueueOutcome> outcomes = new ArrayList<>(atoms.size());
    for (int i = 0; i < atoms.size(); i++) {
      outcomes.add(
          new EnqueueOutcome(
              atoms.get(i).atom().toString(),
              String.valueOf(reply.get(3 * i + 1)),
              ((Long) reply.get(3 * i)) == 1L,
              String.valueOf(reply.get(3 * i + 2))));
    }
    return outcomes;
  }

  @Override
  public Claim claim(String drone, long nowMs, Duration leaseTtl) {
    List<Object> reply =
        run(Script.CLAIM, keys.ready(), String.valueOf(nowMs), String.valueOf(leaseTtl.toMillis()), drone);
    return claimOrNot(reply);
  }

  @Override
  public CompletableFuture<Report> started(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return starts.submitAsync(new Start(drone, packageId, token, nowMs, leaseTtl)).thenApply(Supplier::get);
  }

  /** One call of started.lua for the batch; its reply holds two values per report. */
  private List<Supplier<Report>> startedAll(List<Start> batch) {
    List<Object> args = new ArrayList<>(1 + 5 * batch.size());
    args.add(String.valueOf(batch.size()));
    for (Start s : batch) {
      args.add(s.packageId());
      args.add(s.drone());
      args.add(String.valueOf(s.token()));
      args.add(String.valueOf(s.nowMs()));
      args.add(String.valueOf(s.leaseTtl().toMillis()));
    }
    List<Object> reply = run(Script.STARTED, keys.stateCounts(), args.toArray());
    List<Supplier<Report>> reports = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      long code = (Long) reply.get(2 * i);
      String reason = String.valueOf(reply.get(2 * i + 1));
      if (code == -2L) {
        reports.add(failedInBatch(Script.STARTED, batch.get(i).packageId(), batch.get(i).drone(), reason));
      } else {
        Report r = code == 1L ? new Report.Accepted("") : new Report.Refused(reason);
        reports.add(() -> r);
      }
    }
    return reports;
  }

  @Override
  public Report renew(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return report(
        run(Script.RENEW, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(leaseTtl.toMillis())));
  }

  @Override
  public Verdict complete(
      String drone, String packageId, long token, long nowMs, long durationMs, String claimNextFor, Duration leaseTtl,
      int artifacts) {
    return completions.submit(
            new Completion(drone, packageId, token, nowMs, durationMs, claimNextFor, leaseTtl, artifacts))
        .get();
  }

  /**
   * The answer for one request of a grouped call whose script raised an error while applying it:
   * its caller sees the error, the other requests of the call do not.
   */
  private static <T> Supplier<T> failedInBatch(Script script, String packageId, String drone, Object error) {
    String message = script.fileName() + ".lua failed for package " + packageId + " of drone " + drone + ": " + error;
    return () -> {
      throw new IllegalStateException(message);
    };
  }

  /** One call of complete.lua for the batch; its reply holds each verdict's reply after its length. */
  private List<Supplier<Verdict>> completeAll(List<Completion> batch) {
    List<Object> args = new ArrayList<>(2 + 8 * batch.size());
    args.add(String.valueOf(batch.size()));
    for (Completion c : batch) {
      args.add(c.packageId());
      args.add(c.drone());
      args.add(String.valueOf(c.token()));
      args.add(String.valueOf(c.nowMs()));
      args.add(String.valueOf(c.durationMs()));
      args.add(c.claimNextFor() == null ? "" : c.claimNextFor());
      args.add(String.valueOf(c.leaseTtl().toMillis()));
      args.add(String.valueOf(c.artifacts()));
    }
    List<Object> reply = run(Script.COMPLETE, keys.stateCounts(), args.toArray());
    List<Supplier<Verdict>> verdicts = new ArrayList<>(batch.size());
    int at = 0;
    for (Completion c : batch) {
      int length = ((Long) reply.get(at)).intValue();
      List<Object> one = reply.subList(at + 1, at + 1 + length);
      at += 1 + length;
      if ((Long) one.get(0) == -2L) {
        verdicts.add(failedInBatch(Script.COMPLETE, c.packageId(), c.drone(), one.get(1)));
        continue;
      }
      Verdict v = verdict(one);
      verdicts.add(() -> v);
    }
    return verdicts;
  }

  @Override
  public Report recordArtifacts(String drone, String packageId, long token, long nowMs, List<Artifact> artifacts) {
    StringBuilder lines = new StringBuilder();
    for (Artifact a : artifacts) {
      lines.append(a.recordLine()).append('\n');
    }
    return report(
        run(Script.ARTIFACTS, keys.pkg(packageId), packageId, drone, String.valueOf(token), String.valueOf(nowMs),
            lines.toString()));
  }

  @Override
  public Verdict fail(
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
      Duration leaseTtl) {
    return verdict(
        run(Script.FAIL, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(durationMs), reason, failureClass.name(),
            String.valueOf(policy.maxAttempts()), String.valueOf(policy.base().toMillis()),
            String.valueOf(policy.cap().toMillis()), String.valueOf(policy.jitter()), String.valueOf(random),
            claimNextFor, String.valueOf(leaseTtl.toMillis()),
            String.valueOf(grounding.droneFailuresInRow()), String.valueOf(grounding.failuresInRow()),
            String.valueOf(grounding.window().toMillis())));
  }

  /** Maps {1, outcome, [claimed 1|0, id, atom, attempt, token]} or {-1, reason}. */
  private static Verdict verdict(List<Object> reply) {
    if ((Long) reply.get(0) != 1L) {
      return Verdict.of(new Report.Refused(String.valueOf(reply.get(1))));
    }
    Report accepted = new Report.Accepted(String.valueOf(reply.get(1)));
    if (reply.size() > 2) {
      return new Verdict(accepted, claimOrNot(reply.subList(2, reply.size())));
    }
    return Verdict.of(accepted);
  }

  /** Maps claim_for's reply: {1, id, atom, attempt, token} or {0, why}. */
  private static Claim claimOrNot(List<Object> reply) {
    if ((Long) reply.get(0) == 1L) {
      return claimed(reply);
    }
    String why = String.valueOf(reply.get(1));
    return why.equals("grounded") || why.equals("draining") ? new Claim.Held(why) : new Claim.Empty();
  }

  private static Claim.Claimed claimed(List<Object> reply) {
    return new Claim.Claimed(
        String.valueOf(reply.get(1)),
        String.valueOf(reply.get(2)),
        (int) number(reply.get(3)),
        number(reply.get(4)));
  }

  @Override
  public Report release(String drone, String packageId, long token, long nowMs, String reason) {
    return report(
        run(Script.RELEASE, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), reason));
  }

  @Override
  public Report appendLog(String drone, String packageId, long token, long nowMs, String text, int keepLines) {
    return report(
        run(Script.APPEND_LOG, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), text, String.valueOf(keepLines)));
  }

  @Override
  public Report cancel(String packageId, long nowMs, String reason) {
    List<Object> reply = run(Script.CANCEL, keys.pkg(packageId), packageId, String.valueOf(nowMs), reason);
    if ((Long) reply.get(0) != 1L) {
      return new Report.Refused(String.valueOf(reply.get(1)));
    }
    String token = String.valueOf(reply.get(3));
    return new Report.Cancelled(
        String.valueOf(reply.get(1)), String.valueOf(reply.get(2)), token.isEmpty() ? 0 : Long.parseLong(token));
  }

  @Override
  public Report retry(String packageId, long nowMs) {
    return report(run(Script.RETRY, keys.pkg(packageId), packageId, String.valueOf(nowMs)));
  }

  @Override
  public Report remove(String packageId, long nowMs) {
    return report(run(Script.REMOVE, keys.pkg(packageId), String.valueOf(nowMs), "id", packageId, "1"));
  }

  @Override
  public int clear(String state, long nowMs, int batch) {
    List<Object> reply = run(Script.REMOVE, keys.stateCounts(), String.valueOf(nowMs), "state", state, String.valueOf(batch));
    if ((Long) reply.get(0) < 0) {
      throw new IllegalArgumentException(String.valueOf(reply.get(1)));
    }
    return ((Long) reply.get(0)).intValue();
  }

  @Override
  public boolean setPaused(boolean paused, long nowMs) {
    return scripts.runForLong(
            Script.PAUSE, List.of(keys.paused()), keys.prefix(), String.valueOf(nowMs), paused ? "1" : "0")
        == 1;
  }

  @Override
  public boolean paused() {
    return redis.getBucket(keys.paused()).isExists();
  }

  @Override
  public int reapExpired(long nowMs, int batch, int maxLosses) {
    return (int)
        scripts.runForLong(
            Script.REAP, List.of(keys.leases()), keys.prefix(), String.valueOf(nowMs),
            String.valueOf(batch), String.valueOf(maxLosses));
  }

  @Override
  public int recordHistory(List<Map.Entry<String, Long>> durations) {
    int recorded = 0;
    // Batches keep each script short; each batch is atomic, the order is kept.
    for (int from = 0; from < durations.size(); from += 1000) {
      List<Object> args = new ArrayList<>();
      args.add(keys.prefix());
      for (Map.Entry<String, Long> d : durations.subList(from, Math.min(durations.size(), from + 1000))) {
        args.add(d.getKey());
        args.add(String.valueOf(d.getValue()));
      }
      recorded += (int) scripts.runForLong(Script.HISTORY, List.of(keys.history()), args.toArray());
    }
    return recorded;
  }

  @Override
  public Map<String, long[]> history() {
    // Entries are 'mean n'; an entry of an older version holds the mean alone, its count in history_n.
    Map<String, String> entries = redis.<String, String>getMap(keys.history()).readAllMap();
    Map<String, String> legacyCounts = redis.<String, String>getMap(keys.historyCount()).readAllMap();
    Map<String, long[]> out = new TreeMap<>();
    entries.forEach(
        (key, entry) -> {
          String[] parts = entry.split(" ", 2);
          String count = parts.length > 1 ? parts[1] : legacyCounts.getOrDefault(key, "0");
          out.put(key, new long[] {Long.parseLong(parts[0]), Long.parseLong(count)});
        });
    return out;
  }

  @Override
  public Map<String, Long> countsByState() {
    return reader.packageCounts();
  }

  @Override
  public Map<String, String> packageRecord(String packageId) {
    // An empty field is one not set yet (enqueue.lua writes the hot fields up front).
    Map<String, String> record = new TreeMap<>(redis.<String, String>getMap(keys.pkg(packageId)).readAllMap());
    record.values().removeIf(String::isEmpty);
    return record;
  }

  @Override
  public List<SwarmEvent> events(String since, int limit) {
    RStream<String, String> stream = redis.getStream(keys.events(), StringCodec.INSTANCE);
    StreamRangeArgs range =
        (since == null || since.isEmpty()
                ? StreamRangeArgs.startId(StreamMessageId.MIN)
                : StreamRangeArgs.startIdExclusive(parseId(since)))
            .endId(StreamMessageId.MAX)
            .count(limit);
    List<SwarmEvent> out = new ArrayList<>();
    // The page holds whole entries (an entry's events share its id, the cursor), and stops at the
    // first entry that reaches the limit: a group entry may hold a hundred events.
    for (Map.Entry<StreamMessageId, Map<String, String>> entry : stream.range(range).entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      for (Map<String, String> e : EventEntries.expand(entry.getValue())) {
        out.add(new SwarmEvent(entry.getKey().toString(), e));
      }
    }
    return out;
  }

  private static StreamMessageId parseId(String cursor) {
    String[] parts = cursor.split("-", 2);
    try {
      return new StreamMessageId(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid event cursor '" + cursor + "': expected e.g. 1795379149561-0");
    }
  }

  @Override
  public String activePackageId(String atom) {
    return redis.<String, String>getMap(keys.activeAtoms()).get(atom);
  }

  /** Maps a script's {1, outcome?} or {-1, reason} reply. */
  private static Report report(List<Object> reply) {
    if ((Long) reply.get(0) == 1L) {
      return new Report.Accepted(reply.size() > 1 ? String.valueOf(reply.get(1)) : "");
    }
    return new Report.Refused(String.valueOf(reply.get(1)));
  }

  @Override
  public PackagePage listPackages(long cursor, String state, String drone, int limit, int scan) {
    List<Object> reply =
        run(Script.LIST, keys.packageSequence(), String.valueOf(cursor), state, drone, String.valueOf(limit), String.valueOf(scan));
    List<PackageSummary> packages = new ArrayList<>();
    for (int i = 1; i + 7 < reply.size() + 1; i += 8) {
      packages.add(
          new PackageSummary(
              String.valueOf(reply.get(i)),
              String.valueOf(reply.get(i + 1)),
              String.valueOf(reply.get(i + 2)),
              (int) number(reply.get(i + 3)),
              String.valueOf(reply.get(i + 4)),
              String.valueOf(reply.get(i + 5)),
              number(reply.get(i + 6)),
              number(reply.get(i + 7))));
    }
    return new PackagePage(packages, number(reply.get(0)));
  }

  private static long number(Object value) {
    if (value instanceof Long n) {
      return n;
    }
    String text = String.valueOf(value);
    if (text.isEmpty()) {
      return 0;
    }
    // Scripts hand back counters as the strings they hold (exact); some figures are Lua numbers.
    return text.chars().allMatch(c -> c >= '0' && c <= '9' || c == '-') ? Long.parseLong(text) : (long) Double.parseDouble(text);
  }

  @Override
  public List<SwarmEvent> recentEventsOf(String packageId, int scan) {
    RStream<String, String> stream = redis.getStream(keys.events(), StringCodec.INSTANCE);
    List<SwarmEvent> found = new ArrayList<>();
    StreamMessageId before = StreamMessageId.MAX;
    int seen = 0;
    while (seen < scan) {
      Map<StreamMessageId, Map<String, String>> page =
          stream.rangeReversed(Math.min(1000, scan - seen), before, StreamMessageId.MIN);
      if (page.isEmpty()) {
        break;
      }
      for (Map.Entry<StreamMessageId, Map<String, String>> e : page.entrySet()) {
        if (EventEntries.concerns(e.getValue(), packageId)) {
          // Newest first here, reversed at the end: an entry's events go in backwards too.
          List<Map<String, String>> events = EventEntries.expand(e.getValue());
          for (int i = events.size() - 1; i >= 0; i--) {
            if (packageId.equals(events.get(i).get("id"))) {
              found.add(new SwarmEvent(e.getKey().toString(), events.get(i)));
            }
          }
        }
        before = e.getKey();
      }
      seen += page.size();
      // Exclusive of the last one read: the id just below it.
      before =
          before.getId1() > 0
              ? new StreamMessageId(before.getId0(), before.getId1() - 1)
              : new StreamMessageId(before.getId0() - 1, Long.MAX_VALUE);
    }
    java.util.Collections.reverse(found);
    return found;
  }

  @Override
  public LogPage log(String packageId, int attempt, long from) {
    List<Object> reply = run(Script.LOG, keys.pkg(packageId), packageId, String.valueOf(attempt), String.valueOf(from));
    if (number(reply.get(0)) == -1L) {
      throw new IllegalArgumentException(String.valueOf(reply.get(1)));
    }
    List<String> chunks = new ArrayList<>();
    for (int i = 3; i < reply.size(); i++) {
      chunks.add(String.valueOf(reply.get(i)));
    }
    return new LogPage((int) number(reply.get(0)), chunks, number(reply.get(1)), String.valueOf(reply.get(2)));
  }

  @Override
  public long openExpectedMs() {
    String value = redis.<String>getBucket(keys.prefix() + "open_expected_ms", StringCodec.INSTANCE).get();
    return value == null ? 0 : Long.parseLong(value);
  }
}

package dev.buildswarm.coordinator.redis;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.Verdict;
import dev.buildswarm.coordinator.queue.JobQueue;
import dev.buildswarm.coordinator.redis.LuaScripts.Script;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

  public RedisJobQueue(RedissonClient redis, RedisKeys keys, LuaScripts scripts) {
    this.redis = redis;
    this.keys = keys;
    this.scripts = scripts;
    this.reader = new SwarmReader(redis, keys);
  }

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
    return (Long) reply.get(0) == 1L ? claimed(reply) : new Claim.Empty();
  }

  @Override
  public Report started(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return report(
        run(Script.STARTED, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(leaseTtl.toMillis())));
  }

  @Override
  public Report renew(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return report(
        run(Script.RENEW, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(leaseTtl.toMillis())));
  }

  @Override
  public Verdict complete(
      String drone, String packageId, long token, long nowMs, long durationMs, String claimNextFor, Duration leaseTtl) {
    return verdict(
        run(Script.COMPLETE, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(durationMs), claimNextFor, String.valueOf(leaseTtl.toMillis())));
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
      double random,
      String claimNextFor,
      Duration leaseTtl) {
    return verdict(
        run(Script.FAIL, keys.pkg(packageId), packageId, drone, String.valueOf(token),
            String.valueOf(nowMs), String.valueOf(durationMs), reason, failureClass.name(),
            String.valueOf(policy.maxAttempts()), String.valueOf(policy.base().toMillis()),
            String.valueOf(policy.cap().toMillis()), String.valueOf(policy.jitter()), String.valueOf(random),
            claimNextFor, String.valueOf(leaseTtl.toMillis())));
  }

  /** Maps {1, outcome, [claimed 1|0, id, atom, attempt, token]} or {-1, reason}. */
  private static Verdict verdict(List<Object> reply) {
    if ((Long) reply.get(0) != 1L) {
      return Verdict.of(new Report.Refused(String.valueOf(reply.get(1))));
    }
    Report accepted = new Report.Accepted(String.valueOf(reply.get(1)));
    if (reply.size() > 2 && (Long) reply.get(2) == 1L) {
      return new Verdict(accepted, claimed(reply.subList(2, reply.size())));
    }
    return Verdict.of(accepted);
  }

  private static Claim.Claimed claimed(List<Object> reply) {
    return new Claim.Claimed(
        String.valueOf(reply.get(1)),
        String.valueOf(reply.get(2)),
        ((Long) reply.get(3)).intValue(),
        (Long) reply.get(4));
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
    Map<String, String> means = redis.<String, String>getMap(keys.history()).readAllMap();
    Map<String, String> counts = redis.<String, String>getMap(keys.historyCount()).readAllMap();
    Map<String, long[]> out = new TreeMap<>();
    means.forEach(
        (key, mean) -> out.put(key, new long[] {Long.parseLong(mean), Long.parseLong(counts.getOrDefault(key, "0"))}));
    return out;
  }

  @Override
  public Map<String, Long> countsByState() {
    return reader.packageCounts();
  }

  @Override
  public Map<String, String> packageRecord(String packageId) {
    return new TreeMap<>(redis.<String, String>getMap(keys.pkg(packageId)).readAllMap());
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
    stream.range(range).forEach((id, fields) -> out.add(new SwarmEvent(id.toString(), fields)));
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
}

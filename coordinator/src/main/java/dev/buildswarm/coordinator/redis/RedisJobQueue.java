package dev.buildswarm.coordinator.redis;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.queue.JobQueue;
import dev.buildswarm.coordinator.redis.LuaScripts.Script;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.redis.SwarmReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;

/** The queue in Redis: each method is one Lua script. Thread-safe. */
public final class RedisJobQueue implements JobQueue {
  private final RedissonClient redis;
  private final RedisKeys keys;
  private final LuaScripts scripts;

  public RedisJobQueue(RedissonClient redis, RedisKeys keys, LuaScripts scripts) {
    this.redis = redis;
    this.keys = keys;
    this.scripts = scripts;
  }

  @Override
  public List<EnqueueOutcome> enqueue(List<Atom> atoms, int priority, long nowMs) {
    List<Object> args = new ArrayList<>(3 + 2 * atoms.size());
    args.add(keys.prefix());
    args.add(String.valueOf(nowMs));
    args.add(String.valueOf(priority));
    for (Atom atom : atoms) {
      args.add(atom.toString());
      args.add(atom.key());
    }
    List<Object> reply =
        scripts.run(
            Script.ENQUEUE,
            List.of(
                keys.packageSequence(), keys.activeAtoms(), keys.ready(), keys.stateCounts(), keys.events()),
            args.toArray());
    List<EnqueueOutcome> outcomes = new ArrayList<>(atoms.size());
    for (int i = 0; i < atoms.size(); i++) {
      outcomes.add(
          new EnqueueOutcome(
              atoms.get(i).toString(),
              String.valueOf(reply.get(3 * i + 1)),
              ((Long) reply.get(3 * i)) == 1L,
              String.valueOf(reply.get(3 * i + 2))));
    }
    return outcomes;
  }

  @Override
  public Claim claim(String drone, long nowMs, Duration leaseTtl) {
    List<Object> reply =
        scripts.run(
            Script.CLAIM,
            List.of(keys.ready(), keys.leases(), keys.stateCounts(), keys.events(), keys.fencingTokens()),
            keys.prefix(),
            String.valueOf(nowMs),
            String.valueOf(leaseTtl.toMillis()),
            drone);
    if ((Long) reply.get(0) != 1L) {
      return new Claim.Empty();
    }
    return new Claim.Claimed(
        String.valueOf(reply.get(1)),
        String.valueOf(reply.get(2)),
        ((Long) reply.get(3)).intValue(),
        (Long) reply.get(4));
  }

  @Override
  public Report started(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return report(
        scripts.run(
            Script.STARTED,
            List.of(keys.pkg(packageId), keys.leases(), keys.stateCounts(), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            String.valueOf(leaseTtl.toMillis())));
  }

  @Override
  public Report renew(String drone, String packageId, long token, long nowMs, Duration leaseTtl) {
    return report(
        scripts.run(
            Script.RENEW,
            List.of(keys.pkg(packageId), keys.leases(), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            String.valueOf(leaseTtl.toMillis())));
  }

  @Override
  public Report complete(String drone, String packageId, long token, long nowMs, long durationMs) {
    return report(
        scripts.run(
            Script.COMPLETE,
            List.of(keys.pkg(packageId), keys.leases(), keys.activeAtoms(), keys.stateCounts(), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            String.valueOf(durationMs)));
  }

  @Override
  public Report fail(String drone, String packageId, long token, long nowMs, long durationMs, String reason) {
    return report(
        scripts.run(
            Script.FAIL,
            List.of(keys.pkg(packageId), keys.leases(), keys.activeAtoms(), keys.stateCounts(), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            String.valueOf(durationMs),
            reason));
  }

  @Override
  public Report release(String drone, String packageId, long token, long nowMs, String reason) {
    return report(
        scripts.run(
            Script.RELEASE,
            List.of(keys.pkg(packageId), keys.leases(), keys.ready(), keys.stateCounts(), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            reason));
  }

  @Override
  public Report appendLog(String drone, String packageId, long token, long nowMs, String text, int keepLines) {
    return report(
        scripts.run(
            Script.APPEND_LOG,
            List.of(keys.pkg(packageId), keys.log(packageId), keys.events()),
            packageId,
            drone,
            String.valueOf(token),
            String.valueOf(nowMs),
            text,
            String.valueOf(keepLines)));
  }

  @Override
  public int reapExpired(long nowMs, int batch, int maxLosses) {
    return (int)
        scripts.runForLong(
            Script.REAP,
            List.of(keys.leases(), keys.ready(), keys.activeAtoms(), keys.stateCounts(), keys.events()),
            keys.prefix(),
            String.valueOf(nowMs),
            String.valueOf(batch),
            String.valueOf(maxLosses));
  }

  @Override
  public Map<String, Long> countsByState() {
    return new SwarmReader(redis, keys).packageCounts();
  }

  @Override
  public Map<String, String> packageRecord(String packageId) {
    RMap<String, String> record = redis.getMap(keys.pkg(packageId));
    return new TreeMap<>(record.readAllMap());
  }

  private static Report report(List<Object> reply) {
    if ((Long) reply.get(0) == 1L) {
      return Report.accepted();
    }
    return new Report.Refused(String.valueOf(reply.get(1)));
  }
}

package dev.buildswarm.bench;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.redis.LuaScripts;
import dev.buildswarm.coordinator.redis.RedisJobQueue;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

/**
 * Where Redis spends its time in one build's claim-and-complete: one worker by default (WORKERS
 * concurrent ones when given, whose verdicts then share script calls), on a Redis nothing else
 * uses, so Redis's own counters ({@code INFO commandstats}) describe exactly N builds. Prints, per build,
 * the microseconds inside the script call ({@code evalsha}) and, for each command the scripts
 * run, how many calls and how many microseconds; what is left of the script's time is Lua itself
 * and the cost of calling Redis from Lua.
 *
 * <p>Usage: {@code java -cp bench-all.jar dev.buildswarm.bench.ScriptProfile REDIS_URL BUILDS [WORKERS]}
 * (on a Redis nothing else uses while it runs).
 */
public final class ScriptProfile {
  private ScriptProfile() {}

  public static void main(String[] args) {
    String url = args[0];
    int total = Integer.parseInt(args[1]);
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    RedissonClient redis = RedisConnection.open(url);
    RedisKeys keys = new RedisKeys("profile-" + System.nanoTime());
    RedisJobQueue queue = new RedisJobQueue(redis, keys, new LuaScripts(redis));
    List<QueuedAtom> batch = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      batch.add(new QueuedAtom(Atom.parse("=app-misc/p" + i + "-1.0"), List.of()));
      if (batch.size() == 5_000 || i == total - 1) {
        queue.enqueue(batch, 0, System.currentTimeMillis(), Duration.ofMinutes(1));
        batch.clear();
      }
    }
    Map<String, double[]> before = commandStats(redis);
    AtomicLong builds = new AtomicLong();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < workers; w++) {
        String drone = "w" + w;
        pool.submit(
            () -> {
              Claim next = queue.claim(drone, System.currentTimeMillis(), Duration.ofMinutes(5));
              while (next instanceof Claim.Claimed c) {
                next = queue.complete(drone, c.packageId(), c.token(), System.currentTimeMillis(), 1, drone,
                    Duration.ofMinutes(5)).next();
                builds.incrementAndGet();
              }
            });
      }
    }
    long done = builds.get();
    Map<String, double[]> stats = commandStats(redis);
    stats.forEach((command, v) -> {
      double[] b = before.getOrDefault(command, new double[2]);
      v[0] -= b[0];
      v[1] -= b[1];
    });
    stats.values().removeIf(v -> v[0] == 0);
    double[] script = stats.remove("evalsha");
    System.out.printf("builds=%d workers=%d script_calls=%.0f script_us_per_build=%.1f%n", done, workers, script[0],
        script[1] / done);
    double inside = 0;
    for (Map.Entry<String, double[]> e : stats.entrySet()) {
      if (e.getKey().equals("info")) {
        continue;
      }
      double[] v = e.getValue();
      inside += v[1];
      System.out.printf("  %-16s calls_per_build=%.2f us_per_build=%.2f%n", e.getKey(), v[0] / done, v[1] / done);
    }
    System.out.printf("commands_us_per_build=%.1f lua_and_call_overhead_us_per_build=%.1f%n", inside / done, (script[1] - inside) / done);
    redis.getKeys().deleteByPattern(keys.prefix() + "*");
    redis.shutdown();
  }

  /** command -> {calls, microseconds}, from INFO commandstats. */
  private static Map<String, double[]> commandStats(RedissonClient redis) {
    Map<String, double[]> out = new TreeMap<>();
    redis.getRedisNodes(RedisNodes.SINGLE).getInstance()
        .info(RedisNode.InfoSection.COMMANDSTATS)
        .forEach((name, value) -> {
          double calls = 0;
          double usec = 0;
          for (String part : value.split(",")) {
            if (part.startsWith("calls=")) {
              calls = Double.parseDouble(part.substring(6));
            } else if (part.startsWith("usec=")) {
              usec = Double.parseDouble(part.substring(5));
            }
          }
          out.put(name.replace("cmdstat_", ""), new double[] {calls, usec});
        });
    return out;
  }
}

package dev.buildswarm.bench;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.redis.LuaScripts;
import dev.buildswarm.coordinator.redis.RedisJobQueue;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

/**
 * Claim-and-complete cycles per second through buildswarm's Lua scripts, with W concurrent workers,
 * on the Redis at the given URL, as a drone session drives them: the first claim.lua, then for each
 * build complete.lua with the lease's token, which claims the drone's next package in the same step
 * (as {@code DroneSession.buildFinished} does). Prints one line: {@code buildswarm workers=W
 * jobs=N seconds=S per_second=R}.
 *
 * <p>Usage: {@code java -jar bench-all.jar REDIS_URL WORKERS JOBS [WARMUP]} (WARMUP: cycles of the
 * untimed first round; default JOBS/2, at least 5,000)
 */
public final class ClaimBenchmark {
  private static double lastSeconds;
  private static double lastCpuSeconds;
  private static double lastRedisCpuSeconds;

  /** CPU time of this whole process: the client's share of a machine Redis runs on too. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU seconds the Redis server has used (INFO cpu): whether Redis is the limit. */
  static double redisCpuSeconds(RedissonClient redis) {
    Map<String, String> cpu = redis.getRedisNodes(RedisNodes.SINGLE).getInstance().info(RedisNode.InfoSection.CPU);
    return Double.parseDouble(cpu.get("used_cpu_user")) + Double.parseDouble(cpu.get("used_cpu_sys"));
  }

  private ClaimBenchmark() {}

  /** Queues {@code jobs} packages, then W workers claim and complete them all; returns {cycles}. */
  private static long[] round(RedissonClient redis, RedisJobQueue queue, String prefix, int workers, int jobs) throws Exception {
    List<QueuedAtom> batch = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      batch.add(new QueuedAtom(Atom.parse("=app-misc/" + prefix + i + "-1.0"), List.of()));
      if (batch.size() == 5_000 || i == jobs - 1) {
        queue.enqueue(batch, 0, System.currentTimeMillis(), Duration.ofMinutes(1));
        batch.clear();
      }
    }
    AtomicLong cycles = new AtomicLong();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      String drone = "w" + w;
      running.add(
          pool.submit(
              () -> {
                go.await();
                Claim next = queue.claim(drone, System.currentTimeMillis(), Duration.ofMinutes(5));
                while (next instanceof Claim.Claimed c) {
                  next =
                      queue
                          .complete(drone, c.packageId(), c.token(), System.currentTimeMillis(), 1, drone, Duration.ofMinutes(5))
                          .next();
                  cycles.incrementAndGet();
                }
                return null;
              }));
    }
    long start = System.nanoTime();
    long cpuStart = processCpuNanos();
    double redisCpuStart = redisCpuSeconds(redis);
    go.countDown();
    for (Future<?> f : running) {
      f.get();
    }
    lastSeconds = (System.nanoTime() - start) / 1e9;
    lastCpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
    lastRedisCpuSeconds = redisCpuSeconds(redis) - redisCpuStart;
    pool.shutdown();
    return new long[] {cycles.get()};
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    int workers = Integer.parseInt(args[1]);
    int jobs = Integer.parseInt(args[2]);
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : Math.max(5_000, jobs / 2);
    // The coordinator's own connection settings, whatever the number of workers.
    RedissonClient redis = RedisConnection.open(url);
    RedisKeys keys = new RedisKeys("bench-" + System.nanoTime());
    RedisJobQueue queue = new RedisJobQueue(redis, keys, new LuaScripts(redis));
    // A first round, untimed, lets the JIT compile the hot path (as in a coordinator that has run
    // for a while); the second round is measured.
    round(redis, queue, "warmup", workers, warmup);
    long cycles = round(redis, queue, "p", workers, jobs)[0];
    double seconds = lastSeconds;
    System.out.printf(
        "buildswarm workers=%d jobs=%d seconds=%.3f client_cpu_us_per_job=%.1f redis_cpu_us_per_job=%.1f per_second=%.0f%n",
        workers, cycles, seconds, lastCpuSeconds * 1e6 / cycles, lastRedisCpuSeconds * 1e6 / cycles, cycles / seconds);
    redis.getKeys().deleteByPattern(keys.prefix() + "*");
    redis.shutdown();
  }
}

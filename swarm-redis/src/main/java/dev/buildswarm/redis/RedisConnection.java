package dev.buildswarm.redis;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SubscriptionMode;

/**
 * Opens the Redisson client for a swarm's Redis: one server, a Cluster or a Sentinel-managed master
 * ({@link RedisUrl} lists the URL forms). Every process that opens Redis (coordinator, dashboard,
 * bench) comes through here.
 *
 * <p>On a Cluster or behind Sentinels every read goes to the master, never to a replica: the
 * coordinator reads a package right after a script changed it, and a replica may lag (Redisson's
 * default would read from replicas). Scripts go to the master owning the slot of their {@code
 * KEYS[1]}; every key of a swarm shares one hash tag, so that master holds all of them.
 */
public final class RedisConnection {
  private RedisConnection() {}

  /**
   * A pool of 8 connections: many callers (drone sessions on virtual threads) share few
   * connections, so each connection carries more commands per wake-up; in {@code
   * bench/run-claim-bench} 64 workers made more script calls per second through 8 connections than
   * through 64 (docs/benchmarks.md).
   */
  public static RedissonClient open(String url) {
    return open(url, 8);
  }

  /** As {@link #open(String)}, with a connection pool of the given size (per master node). */
  public static RedissonClient open(String url, int poolSize) {
    return Redisson.create(config(RedisUrl.parse(url), poolSize));
  }

  /** The Redisson configuration for a parsed URL; exposed so a test can read what a URL means. */
  public static Config config(RedisUrl url, int poolSize) {
    Config config = new Config();
    // Strings everywhere: keys and values stay readable with redis-cli and plain in Lua.
    config.setCodec(StringCodec.INSTANCE);
    if (!url.username().isEmpty()) {
      config.setUsername(url.username());
    }
    if (!url.password().isEmpty()) {
      config.setPassword(url.password());
    }
    switch (url.mode()) {
      case SINGLE ->
          config
              .useSingleServer()
              .setAddress(url.addresses().getFirst())
              .setDatabase(url.database())
              .setConnectionMinimumIdleSize(2)
              .setConnectionPoolSize(poolSize)
              .setRetryAttempts(3)
              .setTimeout(5000);
      case CLUSTER ->
          mastersOnly(
              config
                  .useClusterServers()
                  .addNodeAddress(url.addresses().toArray(String[]::new))
                  // Slot moves and failovers are noticed within a second (Redisson's default is
                  // 5 s); MOVED/ASK replies are followed at once regardless.
                  .setScanInterval(1000),
              poolSize);
      case SENTINEL ->
          mastersOnly(
              config
                  .useSentinelServers()
                  .setMasterName(url.master())
                  .addSentinelAddress(url.addresses().toArray(String[]::new))
                  .setScanInterval(1000),
              poolSize);
    }
    return config;
  }

  /**
   * Reads and subscriptions on masters; 4 retries (one more than for a single server), so a
   * failover of a couple of seconds reaches no caller as an error (docs/redis-ha.md).
   */
  private static <T extends BaseMasterSlaveServersConfig<T>> void mastersOnly(T servers, int poolSize) {
    servers
        .setReadMode(ReadMode.MASTER)
        .setSubscriptionMode(SubscriptionMode.MASTER)
        .setMasterConnectionMinimumIdleSize(2)
        .setMasterConnectionPoolSize(poolSize)
        .setRetryAttempts(4)
        .setTimeout(5000);
  }
}

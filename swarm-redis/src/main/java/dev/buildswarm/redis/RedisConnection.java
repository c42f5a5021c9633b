package dev.buildswarm.redis;

import java.net.URI;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** Opens the Redisson client for a {@code redis://} or {@code rediss://} URL. */
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

  /** As {@link #open(String)}, with a connection pool of the given size. */
  public static RedissonClient open(String url, int poolSize) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid Redis URL '" + url + "': " + e.getMessage(), e);
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("redis") || uri.getScheme().equals("rediss"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "invalid Redis URL '" + url + "': expected redis://host:port or rediss://host:port");
    }
    Config config = new Config();
    // Strings everywhere: keys and values stay readable with redis-cli and plain in Lua.
    config.setCodec(StringCodec.INSTANCE);
    config
        .useSingleServer()
        .setAddress(url)
        .setConnectionMinimumIdleSize(2)
        .setConnectionPoolSize(poolSize)
        .setRetryAttempts(3)
        .setTimeout(5000);
    return Redisson.create(config);
  }
}

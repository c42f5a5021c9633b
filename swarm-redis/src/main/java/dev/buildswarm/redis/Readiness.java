package dev.buildswarm.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RedissonClient;

/**
 * A daemon's readiness as its {@code /health} tells it: up when Redis answers, else down with the
 * reason. Immutable.
 *
 * @param problem why the daemon is not ready; empty when it is
 */
public record Readiness(Optional<String> problem) {
  /**
   * How long a health check waits for Redis: a command to a stopped Redis otherwise waits out the
   * client's retries (three of 5 s here), longer than the 5 s deploy-scripts' {@code bs_http_get}
   * and most load balancers wait for an answer.
   */
  public static final Duration WITHIN = Duration.ofSeconds(2);

  /** Whether Redis answers one small read (EXISTS {@code key}) within {@link #WITHIN}. */
  public static Readiness ofRedis(RedissonClient redis, String key) {
    try {
      redis.getKeys().countExistsAsync(key).toCompletableFuture().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      return new Readiness(Optional.empty());
    } catch (TimeoutException e) {
      return down("Redis did not answer within " + WITHIN.toMillis() + " ms");
    } catch (ExecutionException e) {
      return down("Redis unreachable: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return down("interrupted while asking Redis");
    } catch (RuntimeException e) {
      return down("Redis unreachable: " + e.getMessage());
    }
  }

  public static Readiness down(String reason) {
    return new Readiness(Optional.of(reason));
  }

  public boolean up() {
    return problem.isEmpty();
  }

  /** The health body: {@code status} and {@code redis} UP or DOWN, the {@code reason} when down, then {@code more}. */
  public Map<String, Object> body(Map<String, Object> more) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", up() ? "UP" : "DOWN");
    body.put("redis", up() ? "UP" : "DOWN");
    problem.ifPresent(reason -> body.put("reason", reason));
    body.putAll(more);
    return body;
  }
}

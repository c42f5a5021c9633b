package dev.buildswarm.coordinator.domain;

import java.time.Duration;

/**
 * How failed builds of class TRANSIENT or DRONE are tried again: after failure n (1, 2, ...) the
 * package waits {@code min(cap, base * 2^(n-1))}, shortened by up to {@code jitter} of itself at
 * random so retries of many packages spread out; after {@code maxAttempts} failures it fails.
 * PERMANENT failures are never tried again. (The arithmetic runs in fail.lua, in the same step as
 * the state change; this record holds and checks the settings.)
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap, double jitter) {
  public RetryPolicy {
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new IllegalArgumentException("max attempts must be 1 to 100, got " + maxAttempts);
    }
    if (base.isNegative() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("retry backoff: base " + base + " must be >= 0 and <= cap " + cap);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("retry jitter must be between 0 and 1, got " + jitter);
    }
  }

  /** The longest a package waits after its {@code failures}-th failure (before jitter). */
  public Duration delayAfter(int failures) {
    long ms = base.toMillis() * (1L << Math.min(30, Math.max(0, failures - 1)));
    return Duration.ofMillis(Math.min(cap.toMillis(), ms));
  }
}

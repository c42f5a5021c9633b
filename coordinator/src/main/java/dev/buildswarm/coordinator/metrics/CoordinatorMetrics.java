package dev.buildswarm.coordinator.metrics;

import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.domain.PackageState;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.queue.SwarmMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The coordinator's meters. Counters grow as this coordinator works; the queue and drone gauges are
 * the whole swarm's, set from one status read per scrape ({@link #observe}), NaN while Redis cannot
 * be read, so a stale count is never shown as current. Thread-safe.
 */
public final class CoordinatorMetrics implements SwarmMetrics {
  /** The drone states of {@code swarm status}, each drone counted once (draining on top). */
  public static final List<String> DRONE_STATES = List.of("idle", "building", "grounded", "offline", "draining");

  /**
   * Script latency buckets: a script is a few hundred microseconds on an idle Redis; the upper
   * buckets catch a busy Redis or a long list read.
   */
  static final Duration[] SCRIPT_BUCKETS = {
    Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(1000)
  };

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> claims = new ConcurrentHashMap<>();
  private final Map<FailureClass, Counter> retries = new EnumMap<>(FailureClass.class);
  private final Map<FailureClass, Counter> failures = new EnumMap<>(FailureClass.class);
  private final Map<String, Timer> scripts = new ConcurrentHashMap<>();
  private final Map<String, Double> packages = new ConcurrentHashMap<>();
  private final Map<String, Double> drones = new ConcurrentHashMap<>();
  private final Counter leaseExpiries;
  private final Counter uploadBytes;
  private final Counter uploadFiles;
  private volatile double redisUp = Double.NaN;

  /** @param droneSessions how many drones hold a session on this coordinator now */
  public CoordinatorMetrics(IntSupplier droneSessions) {
    for (String result : List.of("claimed", "empty", "held")) {
      claims.put(
          result,
          Counter.builder("buildswarm.claims")
              .description("Claim answers given by this coordinator: claimed (a package leased), empty (nothing"
                  + " ready for the drone), held (the drone is grounded or draining)")
              .tag("result", result)
              .register(registry));
    }
    for (FailureClass c : FailureClass.values()) {
      String name = c.name().toLowerCase(Locale.ROOT);
      retries.put(
          c,
          Counter.builder("buildswarm.retries")
              .description("Failed builds judged here that wait for another attempt, by failure class")
              .tag("class", name)
              .register(registry));
      failures.put(
          c,
          Counter.builder("buildswarm.failures")
              .description("Failed builds judged here that failed for good, by failure class")
              .tag("class", name)
              .register(registry));
    }
    leaseExpiries =
        Counter.builder("buildswarm.lease.expiries")
            .description("Expired leases this coordinator's reaper took back (the drone was lost)")
            .register(registry);
    uploadBytes =
        Counter.builder("buildswarm.upload")
            .baseUnit("bytes")
            .description("Bytes of binary packages stored in the binhost and recorded under a lease")
            .register(registry);
    uploadFiles =
        Counter.builder("buildswarm.upload.files")
            .description("Binary packages stored in the binhost and recorded under a lease")
            .register(registry);
    for (PackageState state : PackageState.values()) {
      stateGauge("buildswarm.queue.packages", "Packages in the swarm's queue by state (read from Redis)", packages, state.wireName());
    }
    for (String state : DRONE_STATES) {
      stateGauge("buildswarm.drones", "Drones of the swarm by state (read from Redis)", drones, state);
    }
    Gauge.builder("buildswarm.redis.up", () -> redisUp)
        .description("1 when the last scrape could read Redis, 0 when it could not")
        .register(registry);
    Gauge.builder("buildswarm.drone.sessions", droneSessions::getAsInt)
        .description("Drones holding a session on this coordinator")
        .register(registry);
  }

  private void stateGauge(String name, String help, Map<String, Double> values, String state) {
    values.put(state, Double.NaN);
    Gauge.builder(name, () -> values.getOrDefault(state, Double.NaN))
        .description(help)
        .tag("state", state)
        .register(registry);
  }

  /** Sets the swarm's gauges from a status read, or to NaN (and Redis down) when there is none. */
  public void observe(SwarmStatus status) {
    if (status == null) {
      redisUp = 0;
      packages.replaceAll((state, n) -> Double.NaN);
      drones.replaceAll((state, n) -> Double.NaN);
      return;
    }
    redisUp = 1;
    packages.replaceAll((state, n) -> (double) status.packagesByState().getOrDefault(state, 0L));
    drones.replaceAll((state, n) -> (double) status.dronesByState().getOrDefault(state, 0L));
  }

  /** Everything, in the Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void claimAnswered(Claim answer) {
    String result =
        switch (answer) {
          case Claim.Claimed c -> "claimed";
          case Claim.Empty e -> "empty";
          case Claim.Held h -> "held";
        };
    claims.get(result).increment();
  }

  @Override
  public void leasesExpired(int leases) {
    if (leases > 0) {
      leaseExpiries.increment(leases);
    }
  }

  @Override
  public void failureJudged(FailureClass failureClass, boolean retried) {
    (retried ? retries : failures).get(failureClass).increment();
  }

  @Override
  public void artifactsStored(int files, long bytes) {
    uploadFiles.increment(files);
    uploadBytes.increment(bytes);
  }

  @Override
  public void scriptRan(String script, long nanos) {
    scripts
        .computeIfAbsent(
            script,
            name ->
                Timer.builder("buildswarm.script")
                    .description("Time of one Lua script call from this coordinator, round trip included")
                    .tag("script", name)
                    .serviceLevelObjectives(SCRIPT_BUCKETS)
                    .register(registry))
        .record(Duration.ofNanos(nanos));
  }
}

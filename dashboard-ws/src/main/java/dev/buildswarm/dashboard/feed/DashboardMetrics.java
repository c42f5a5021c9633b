package dev.buildswarm.dashboard.feed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The dashboard's meters, on its {@code /metrics} in the Prometheus text format (docs/operations.md
 * lists them). Thread-safe.
 */
public final class DashboardMetrics {
  /** One read of the swarm: a few ms on a small swarm, more with many drones or a long queue. */
  private static final Duration[] READ_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(1000)
  };

  private static final double[] SIZE_BUCKETS = {1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger clients = new AtomicInteger();
  private final Timer readTime;
  private final DistributionSummary snapshotSize;
  private final Counter deltas;
  private final Counter snapshotsSent;
  private final Counter readFailures;

  public DashboardMetrics() {
    Gauge.builder("buildswarm.dashboard.clients", clients::get)
        .description("Pages connected to /ws now")
        .register(registry);
    readTime =
        Timer.builder("buildswarm.dashboard.snapshot.read")
            .description("Time of one read of the swarm from Redis for the feed")
            .serviceLevelObjectives(READ_BUCKETS)
            .register(registry);
    snapshotSize =
        DistributionSummary.builder("buildswarm.dashboard.snapshot.size")
            .baseUnit("bytes")
            .description("Size of the snapshot JSON a page gets on connect, per feed step that changed something")
            .serviceLevelObjectives(SIZE_BUCKETS)
            .register(registry);
    deltas =
        Counter.builder("buildswarm.dashboard.deltas")
            .description("Feed steps broadcast to every connected page as a delta")
            .register(registry);
    snapshotsSent =
        Counter.builder("buildswarm.dashboard.snapshots.sent")
            .description("Whole snapshots sent to single pages (on connect and on resync)")
            .register(registry);
    readFailures =
        Counter.builder("buildswarm.dashboard.read.failures")
            .description("Reads of the swarm that failed (pages go stale until one works)")
            .register(registry);
  }

  void snapshotRead(long nanos) {
    readTime.record(Duration.ofNanos(nanos));
  }

  void snapshotMade(int jsonBytes) {
    snapshotSize.record(jsonBytes);
  }

  void readFailed() {
    readFailures.increment();
  }

  public void deltaBroadcast() {
    deltas.increment();
  }

  public void snapshotSent() {
    snapshotsSent.increment();
  }

  public void clientConnected() {
    clients.incrementAndGet();
  }

  public void clientLeft() {
    clients.decrementAndGet();
  }

  /** Everything, in the Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }
}

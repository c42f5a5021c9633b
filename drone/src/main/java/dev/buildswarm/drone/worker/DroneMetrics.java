package dev.buildswarm.drone.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * A drone's meters, in the Prometheus text format on the drone's {@code /metrics} (when its HTTP
 * server is on; counted either way). docs/operations.md lists them. Thread-safe.
 */
public final class DroneMetrics {
  /** What became of a build here: built and uploaded, failed, or given back unbuilt (stopping). */
  public enum Result {
    SUCCESS("success"),
    FAILURE("failure"),
    GIVEN_BACK("given_back");

    private final String label;

    Result(String label) {
      this.label = label;
    }
  }

  /** Builds take seconds (a small package) to hours (a browser or a toolchain). */
  private static final Duration[] BUILD_BUCKETS = {
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
    Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(6)
  };

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Result, Counter> finished;
  private final Timer buildTime;
  private final Counter reconnects;
  private final Counter logBytes;
  private final Counter uploadBytes;
  private final Counter uploadFiles;

  DroneMetrics(IntSupplier running, int slots, BooleanSupplier registered) {
    Gauge.builder("buildswarm.drone.builds.running", running::getAsInt)
        .description("Builds running on this drone now")
        .register(registry);
    Gauge.builder("buildswarm.drone.slots", () -> slots)
        .description("Builds this drone runs at once, at most")
        .register(registry);
    Gauge.builder("buildswarm.drone.registered", () -> registered.getAsBoolean() ? 1 : 0)
        .description("1 while a coordinator has accepted this drone's registration on an open session")
        .register(registry);
    finished =
        Map.of(
            Result.SUCCESS, finishedCounter(Result.SUCCESS),
            Result.FAILURE, finishedCounter(Result.FAILURE),
            Result.GIVEN_BACK, finishedCounter(Result.GIVEN_BACK));
    buildTime =
        Timer.builder("buildswarm.drone.build")
            .description("Time a build process ran on this drone")
            .serviceLevelObjectives(BUILD_BUCKETS)
            .register(registry);
    reconnects =
        Counter.builder("buildswarm.drone.reconnects")
            .description("Times this drone's session to the coordinator ended and it connected again")
            .register(registry);
    logBytes =
        Counter.builder("buildswarm.drone.log")
            .baseUnit("bytes")
            .description("Bytes of build output this drone sent to the coordinator")
            .register(registry);
    uploadBytes =
        Counter.builder("buildswarm.drone.upload")
            .baseUnit("bytes")
            .description("Bytes of binary packages this drone uploaded and the coordinator stored")
            .register(registry);
    uploadFiles =
        Counter.builder("buildswarm.drone.upload.files")
            .description("Binary packages this drone uploaded and the coordinator stored")
            .register(registry);
  }

  private Counter finishedCounter(Result result) {
    return Counter.builder("buildswarm.drone.builds.finished")
        .description("Builds that ended on this drone, by result")
        .tag("result", result.label)
        .register(registry);
  }

  void buildFinished(Result result, Duration ran) {
    finished.get(result).increment();
    if (ran != null) {
      buildTime.record(ran);
    }
  }

  void reconnecting() {
    reconnects.increment();
  }

  void logSent(long bytes) {
    logBytes.increment(bytes);
  }

  void uploaded(int files, long bytes) {
    uploadFiles.increment(files);
    uploadBytes.increment(bytes);
  }

  /** Everything, in the Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }
}

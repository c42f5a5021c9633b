package dev.buildswarm.drone;

import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.tokens.TokenSource;
import dev.buildswarm.tls.ClientTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything a drone is configured with. Immutable.
 *
 * @param name unique drone name in the swarm
 * @param host host name reported to the coordinator
 * @param coordinator {@code host:port} of the coordinator's gRPC endpoint
 * @param token the drone token presented to the coordinator
 * @param cores cores given to builds ({@code MAKEOPTS=-j<cores>} unless {@code makeopts} is set)
 * @param slots builds run at once
 * @param speedFactor relative speed, 1.0 = reference machine
 * @param buildTemplate the build command
 * @param workDir where builds start
 * @param pkgDir where builds put binary packages ({@code PKGDIR})
 * @param makeopts the {@code MAKEOPTS} value
 * @param extraEnvironment more variables for every build
 * @param buildTimeout the longest a build may run
 * @param killGrace time between SIGTERM and SIGKILL
 * @param version this drone's software version
 * @param capabilities what the host is, beyond what the drone finds itself (arch, profile)
 * @param silenceTimeout a build that prints nothing for this long is ended; zero: never
 * @param logLimitBytes build output streamed to the coordinator per build, at most
 * @param tls plaintext, or TLS to the coordinator (the CA to trust, this drone's certificate)
 */
public record DroneConfig(
    String name,
    String host,
    String coordinator,
    TokenSource token,
    int cores,
    int slots,
    double speedFactor,
    BuildTemplate buildTemplate,
    Path workDir,
    Path pkgDir,
    String makeopts,
    Map<String, String> extraEnvironment,
    Duration buildTimeout,
    Duration killGrace,
    String version,
    Map<String, String> capabilities,
    Duration silenceTimeout,
    long logLimitBytes,
    ClientTls tls) {

  /** In plaintext to the coordinator. */
  public DroneConfig(
      String name, String host, String coordinator, TokenSource token, int cores, int slots, double speedFactor,
      BuildTemplate buildTemplate, Path workDir, Path pkgDir, String makeopts, Map<String, String> extraEnvironment,
      Duration buildTimeout, Duration killGrace, String version, Map<String, String> capabilities,
      Duration silenceTimeout, long logLimitBytes) {
    this(
        name, host, coordinator, token, cores, slots, speedFactor, buildTemplate, workDir, pkgDir, makeopts,
        extraEnvironment, buildTimeout, killGrace, version, capabilities, silenceTimeout, logLimitBytes,
        ClientTls.PLAINTEXT);
  }

  public DroneConfig {
    extraEnvironment = Map.copyOf(extraEnvironment);
    capabilities = Map.copyOf(capabilities);
    if (silenceTimeout.isNegative()) {
      throw new IllegalArgumentException("--silence-timeout must not be negative, got " + silenceTimeout);
    }
    if (logLimitBytes < 1024) {
      throw new IllegalArgumentException("--log-limit must be at least 1024 bytes, got " + logLimitBytes);
    }
    if (cores < 1) {
      throw new IllegalArgumentException("--cores must be at least 1, got " + cores);
    }
    if (slots < 1) {
      throw new IllegalArgumentException("--slots must be at least 1, got " + slots);
    }
    if (!(speedFactor > 0)) {
      throw new IllegalArgumentException("--speed must be above 0, got " + speedFactor);
    }
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "invalid drone name '" + name + "': use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
  }
}

package dev.buildswarm.drone.runner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One build process to run.
 *
 * @param argv the command, one element per argument (no shell)
 * @param environment variables added to the drone's own environment
 * @param workingDirectory where the process starts
 * @param timeout the whole build may take no longer
 * @param silenceTimeout the build is ended when it prints nothing (no byte on stdout or stderr)
 *     for longer than this; {@link #NO_SILENCE_LIMIT} ({@link Duration#ZERO}) turns the check off
 */
public record BuildRequest(
    List<String> argv,
    Map<String, String> environment,
    Path workingDirectory,
    Duration timeout,
    Duration silenceTimeout) {

  /** A silence timeout of zero: the build may be quiet for as long as its timeout allows. */
  public static final Duration NO_SILENCE_LIMIT = Duration.ZERO;

  public BuildRequest {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
    Objects.requireNonNull(workingDirectory, "workingDirectory");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(silenceTimeout, "silenceTimeout (Duration.ZERO for none)");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a build needs a command");
    }
    if (silenceTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "silence timeout must be zero (off) or positive, got " + silenceTimeout);
    }
  }

  /** Whether a silent build is ended before its timeout. */
  public boolean limitsSilence() {
    return !silenceTimeout.isZero();
  }
}

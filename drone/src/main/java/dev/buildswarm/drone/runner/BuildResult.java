package dev.buildswarm.drone.runner;

import java.time.Duration;
import java.util.List;

/**
 * How a build process ended.
 *
 * @param exitCode the process's exit code, or -1 when it did not exit by itself
 * @param ended why it ended
 * @param duration wall time from start to end
 * @param logTail the last lines of output
 */
public record BuildResult(int exitCode, Ending ended, Duration duration, List<String> logTail) {

  public BuildResult {
    logTail = List.copyOf(logTail);
  }

  /** Why a build process ended. */
  public enum Ending {
    EXITED,
    TIMED_OUT,
    CANCELLED,
    COULD_NOT_START
  }

  public boolean succeeded() {
    return ended == Ending.EXITED && exitCode == 0;
  }

  /** The reason in an operator's words, for a build that did not succeed. */
  public String reason() {
    return switch (ended) {
      case EXITED -> exitCode == 0 ? "" : "build exited with code " + exitCode;
      case TIMED_OUT -> "build timed out after " + duration.toSeconds() + " s";
      case CANCELLED -> "build cancelled";
      case COULD_NOT_START ->
          "build could not start: " + (logTail.isEmpty() ? "" : logTail.get(logTail.size() - 1));
    };
  }
}

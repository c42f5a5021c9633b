package dev.buildswarm.drone.runner;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a build process ended.
 *
 * <p>Exit status and signal. The build is started through {@code setsid}, which execs the build in
 * place (same pid, no extra parent), so the status Java sees is the build's own. Java reports a
 * process killed by signal N as exit value 128+N (137 for SIGKILL), the same number a shell uses
 * for a command killed by a signal; {@link #signalOf} reads it back. So a build that itself calls
 * {@code exit 137}, or a shell script whose last command was killed by SIGKILL, also reads as
 * "killed by signal 9": from outside the three cannot be told apart, and for a build they mean the
 * same thing.
 *
 * @param exitCode the exit value Java reported (128+N when killed by signal N) for a build that
 *     ended by itself; -1 when the drone ended it (timeout, silence, cancel) or it never started
 * @param signal the signal that ended the build's process (9 for SIGKILL), or 0 when it exited
 *     normally or never started; also set when the drone ended the build, showing whether SIGTERM
 *     was enough or SIGKILL was needed
 * @param ended why it ended
 * @param limit the limit the build ran into: the timeout for {@link Ending#TIMED_OUT}, the silence
 *     timeout for {@link Ending#SILENT}, {@link Duration#ZERO} otherwise
 * @param duration wall time from start to end
 * @param logTail the last lines of output
 */
public record BuildResult(
    int exitCode, int signal, Ending ended, Duration limit, Duration duration, List<String> logTail) {

  /** Above this, an exit value is not 128 + a signal number (Linux has 64 signals). */
  private static final int MAX_SIGNAL = 64;

  /** Names of the signals whose numbers are the same on every Linux architecture. */
  private static final Map<Integer, String> SIGNAL_NAMES =
      Map.ofEntries(
          Map.entry(1, "SIGHUP"),
          Map.entry(2, "SIGINT"),
          Map.entry(3, "SIGQUIT"),
          Map.entry(4, "SIGILL"),
          Map.entry(6, "SIGABRT"),
          Map.entry(8, "SIGFPE"),
          Map.entry(9, "SIGKILL"),
          Map.entry(11, "SIGSEGV"),
          Map.entry(13, "SIGPIPE"),
          Map.entry(14, "SIGALRM"),
          Map.entry(15, "SIGTERM"));

  public BuildResult {
    Objects.requireNonNull(ended, "ended");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(duration, "duration");
    logTail = List.copyOf(logTail);
    if (signal < 0 || signal > MAX_SIGNAL) {
      throw new IllegalArgumentException("no such signal: " + signal);
    }
  }

  /** Why a build process ended. */
  public enum Ending {
    /** It ended by itself: an exit code, or a signal the drone did not send. */
    EXITED,
    /** It ran longer than its timeout and the drone ended it. */
    TIMED_OUT,
    /** It printed nothing for longer than its silence timeout and the drone ended it. */
    SILENT,
    /** The drone was told to stop it (cancel, or the drone shutting down). */
    CANCELLED,
    /** The command could not be run at all (not found, not executable). */
    COULD_NOT_START
  }

  /** The signal behind a Java exit value (128+N for signal N), or 0 for a normal exit. */
  public static int signalOf(int exitValue) {
    return exitValue > 128 && exitValue <= 128 + MAX_SIGNAL ? exitValue - 128 : 0;
  }

  public boolean succeeded() {
    return ended == Ending.EXITED && exitCode == 0;
  }

  /** The reason in an operator's words, for a build that did not succeed. */
  public String reason() {
    return switch (ended) {
      case EXITED ->
          signal != 0
              ? "build killed by signal " + signalName()
              : exitCode == 0 ? "" : "build exited with code " + exitCode;
      case TIMED_OUT -> "build timed out after " + limit.toSeconds() + " s" + endedBy();
      case SILENT -> "build printed nothing for " + limit.toSeconds() + " s" + endedBy();
      case CANCELLED -> "build cancelled" + endedBy();
      case COULD_NOT_START ->
          "build could not start: " + (logTail.isEmpty() ? "" : logTail.get(logTail.size() - 1));
    };
  }

  private String endedBy() {
    return signal == 0 ? "" : "; ended by signal " + signalName();
  }

  /** {@code 9 (SIGKILL)}, or just the number for a signal whose number differs by architecture. */
  private String signalName() {
    String name = SIGNAL_NAMES.get(signal);
    return name == null ? Integer.toString(signal) : signal + " (" + name + ")";
  }
}

package dev.buildswarm.drone.runner;

import dev.buildswarm.proto.v1.FailureClass;
import java.util.List;
import java.util.Locale;

/**
 * Judges why a build failed, from how it ended and its last lines of output. The one table of
 * which failures a drone calls retryable (lesson 8: classify before retrying; never collapse
 * classes). Stateless, thread-safe.
 */
public final class FailureClassifier {

  /** Output that means the host, not the package, is broken: retried elsewhere, counts against the drone. */
  private static final List<String> DRONE_SIGNS =
      List.of(
          "no space left on device", // disk full
          "disk quota exceeded",
          "read-only file system", // a failing disk remounted read-only
          "cannot allocate memory", // the host, not one build, is out of memory
          "command not found", // toolchain missing
          "c compiler cannot create executables");

  /** Output that means the network or a mirror failed: retried after a backoff. */
  private static final List<String> TRANSIENT_SIGNS =
      List.of(
          "fetch failed", // Portage: !!! Fetch failed for ...
          "couldn't download",
          "could not resolve host",
          "connection timed out",
          "temporary failure in name resolution",
          "connection refused",
          "503 service unavailable",
          "verify failed", // Portage: !!! Fetched file: ... VERIFY FAILED! (a corrupt download)
          "digest verification failed",
          "virtual memory exhausted", // gcc/ld out of memory under this host's other builds
          "out of memory",
          "internal compiler error: killed"); // the OOM killer took cc1plus

  /** Output that means trying again cannot help: failed at once. */
  private static final List<String> PERMANENT_SIGNS =
      List.of(
          "there are no ebuilds to satisfy", // no such package or version
          "all ebuilds that could satisfy", // masked
          "invalid atom");

  private FailureClassifier() {}

  public static FailureClass classify(BuildResult result) {
    return switch (result.ended()) {
      // A build that ran out of time may succeed on a quieter or faster host.
      case TIMED_OUT -> FailureClass.TRANSIENT;
      // A build that hung without a word (a stalled fetch, a stuck test): worth another try; the
      // attempt limit still fails a package that hangs every time.
      case SILENT -> FailureClass.TRANSIENT;
      // The drone could not start the builder at all: its installation is broken.
      case COULD_NOT_START -> FailureClass.DRONE;
      // Cancelled builds are given back or refused; a class is only needed for the record.
      case CANCELLED -> FailureClass.TRANSIENT;
      case EXITED -> classifyExit(result.signal(), result.logTail());
    };
  }

  private static FailureClass classifyExit(int signal, List<String> tail) {
    // Killed by SIGKILL (exit value 137), as the kernel's OOM killer does: worth another try.
    if (signal == 9) {
      return FailureClass.TRANSIENT;
    }
    String text = String.join("\n", tail).toLowerCase(Locale.ROOT);
    for (String sign : PERMANENT_SIGNS) {
      if (text.contains(sign)) {
        return FailureClass.PERMANENT;
      }
    }
    for (String sign : DRONE_SIGNS) {
      if (text.contains(sign)) {
        return FailureClass.DRONE;
      }
    }
    for (String sign : TRANSIENT_SIGNS) {
      if (text.contains(sign)) {
        return FailureClass.TRANSIENT;
      }
    }
    // Anything else is a build error: the same sources fail the same way again.
    return FailureClass.PERMANENT;
  }
}

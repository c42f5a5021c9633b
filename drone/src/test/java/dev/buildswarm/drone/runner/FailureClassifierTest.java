package dev.buildswarm.drone.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.buildswarm.proto.v1.FailureClass;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

  private static FailureClass exit(int code, String... tail) {
    return FailureClassifier.classify(new BuildResult(code, BuildResult.signalOf(code), BuildResult.Ending.EXITED, Duration.ZERO, Duration.ofSeconds(1), List.of(tail)));
  }

  @Test
  void aCompileErrorIsPermanent() {
    assertEquals(
        FailureClass.PERMANENT,
        exit(1, " * ERROR: sys-libs/glibc-2.38-r10::gentoo failed (compile phase):", " *   emake failed"));
  }

  @Test
  void aFailedFetchIsTransient() {
    assertEquals(
        FailureClass.TRANSIENT,
        exit(1, "!!! Couldn't download 'glibc-2.38.tar.xz'. Aborting.", "!!! Fetch failed for sys-libs/glibc-2.38-r10"));
  }

  @Test
  void aCorruptDownloadAndAHostOutOfMemoryAreTransient() {
    assertEquals(
        FailureClass.TRANSIENT,
        exit(1, "!!! Fetched file: glibc-2.38.tar.xz VERIFY FAILED!", "!!! Reason: Filesize does not match recorded size"));
    assertEquals(FailureClass.TRANSIENT, exit(1, "cc1plus: out of memory allocating 65536 bytes"));
    assertEquals(FailureClass.TRANSIENT, exit(1, "g++: fatal error: Killed signal terminated program cc1plus",
        "internal compiler error: Killed (program cc1plus)"));
  }

  @Test
  void aFullDiskIsTheDronesFault() {
    assertEquals(FailureClass.DRONE, exit(1, "cc1: fatal error: write error: No space left on device"));
  }

  @Test
  void aMissingPackageIsPermanentEvenIfTheNetworkAlsoHiccuped() {
    assertEquals(
        FailureClass.PERMANENT,
        exit(1, "connection timed out", "emerge: there are no ebuilds to satisfy \"=app-misc/nope-1\"."));
  }

  @Test
  void anOomKillOrATimeoutIsTransientAndAMissingBuilderIsTheDrones() {
    assertEquals(FailureClass.TRANSIENT, exit(137));
    assertEquals(
        FailureClass.TRANSIENT,
        FailureClassifier.classify(new BuildResult(-1, 15, BuildResult.Ending.TIMED_OUT, Duration.ofHours(1), Duration.ofHours(1), List.of())));
    assertEquals(
        FailureClass.DRONE,
        FailureClassifier.classify(
            new BuildResult(-1, 0, BuildResult.Ending.COULD_NOT_START, Duration.ZERO, Duration.ZERO, List.of("emerge: No such file"))));
  }

  @Test
  void aBuildEndedForSilenceIsTransientAndAnExitCodeAboveTheSignalsIsNot() {
    assertEquals(
        FailureClass.TRANSIENT,
        FailureClassifier.classify(
            new BuildResult(-1, 15, BuildResult.Ending.SILENT, Duration.ofMinutes(10), Duration.ofMinutes(11), List.of())));
    // Exit 255 is no signal (Linux has 64): an ordinary build error.
    assertEquals(FailureClass.PERMANENT, exit(255));
  }
}

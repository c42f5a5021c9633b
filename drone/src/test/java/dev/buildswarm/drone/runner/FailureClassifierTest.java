package dev.buildswarm.drone.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.buildswarm.proto.v1.FailureClass;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

  private static FailureClass exit(int code, String... tail) {
    return FailureClassifier.classify(new BuildResult(code, BuildResult.Ending.EXITED, Duration.ofSeconds(1), List.of(tail)));
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
        FailureClassifier.classify(new BuildResult(-1, BuildResult.Ending.TIMED_OUT, Duration.ofHours(1), List.of())));
    assertEquals(
        FailureClass.DRONE,
        FailureClassifier.classify(
            new BuildResult(-1, BuildResult.Ending.COULD_NOT_START, Duration.ZERO, List.of("emerge: No such file"))));
  }
}

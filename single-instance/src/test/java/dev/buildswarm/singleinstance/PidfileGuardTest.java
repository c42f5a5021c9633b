package dev.buildswarm.singleinstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard within one process. Other processes (a live holder, a killed one, takeovers) are in
 * {@code PidfileGuardIT}. These tests read the pidfile from the holding process, which on POSIX
 * drops the holder's lock (see {@link PidfileGuard}); that is harmless here, where nothing
 * outside this JVM competes for the files, and is why the daemons themselves never do it.
 */
class PidfileGuardTest {
  private static final long ME = ProcessHandle.current().pid();

  @TempDir Path dir;

  @Test
  void aNewPidfileIsCreatedWithThisProcessPid() throws Exception {
    Path file = dir.resolve("run/sub/drone.pid");
    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      assertEquals(ME, guard.pid());
      assertEquals(guard.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void closingEmptiesThePidfileAndFreesTheGuard() throws Exception {
    Path file = dir.resolve("drone.pid");
    PidfileGuard.acquire(file).close();
    assertEquals("", Files.readString(file));
    try (PidfileGuard again = PidfileGuard.acquire(file)) {
      assertEquals(again.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void clearingThePidKeepsTheGuard() throws Exception {
    Path file = dir.resolve("coordinator.pid");
    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      guard.clearPid();
      assertEquals("", Files.readString(file));
      assertEquals(
          AlreadyRunningException.Why.HELD_BY_THIS_PROCESS,
          assertThrows(AlreadyRunningException.class, () -> PidfileGuard.acquire(file)).why());
    }
  }

  @Test
  void aStalePidWithNoLockIsReplaced() throws Exception {
    Path file = dir.resolve("drone.pid");
    // A long pid and garbage after it: all of it must go, not only the first bytes.
    Files.writeString(file, "4194303999\nleft over by a killed drone\n");
    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      assertEquals(guard.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void aSecondGuardOnTheSamePidfileInThisProcessIsRefused() throws Exception {
    Path file = dir.resolve("drone.pid");
    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      AlreadyRunningException refused =
          assertThrows(AlreadyRunningException.class, () -> PidfileGuard.acquire(dir.resolve("./x/../drone.pid")));
      assertEquals(AlreadyRunningException.Why.HELD_BY_THIS_PROCESS, refused.why());
      assertTrue(refused.getMessage().contains(guard.pidfile().toString()), refused.getMessage());
      assertThrows(AlreadyRunningException.class, () -> PidfileGuard.takeOver(file, Duration.ofMillis(10)));
    }
  }

  @Test
  void aSymbolicLinkIsNotFollowed() throws Exception {
    Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
    Path link = Files.createSymbolicLink(dir.resolve("drone.pid"), victim);
    FileSystemException refused = assertThrows(FileSystemException.class, () -> PidfileGuard.acquire(link));
    assertTrue(refused.getMessage().contains("symbolic link"), refused.getMessage());
    assertEquals("precious\n", Files.readString(victim));
    // Refused and released: a real file at the path can be taken.
    Files.delete(link);
    PidfileGuard.acquire(link).close();
  }

  @Test
  void aRemovedPidfileIsCreatedAndLockedAgainOnRefresh() throws Exception {
    Path file = dir.resolve("drone.pid");
    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      Files.delete(file); // what a /tmp cleaner would do
      guard.refresh();
      assertEquals(guard.pid() + "\n", Files.readString(file));
      // The same file now: only touched, so that age-based cleaners pass it by.
      Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
      guard.refresh();
      assertEquals(guard.pid() + "\n", Files.readString(file));
      assertTrue(Files.getLastModifiedTime(file).toInstant().isAfter(Instant.now().minusSeconds(60)));
    }
    assertEquals("", Files.readString(file));
  }

  @Test
  void theRefusalNamesThePidfileTheHolderAndHowToTakeOver() {
    Path file = Path.of("/run/buildswarm-drone-builder-07.pid");
    String message =
        new AlreadyRunningException(AlreadyRunningException.Why.HELD, file, OptionalLong.of(4242), Duration.ZERO)
            .getMessage();
    assertTrue(message.contains(file.toString()), message);
    assertTrue(message.contains("pid 4242"), message);
    assertTrue(message.contains("--takeover"), message);
    String survived =
        new AlreadyRunningException(
                AlreadyRunningException.Why.HOLDER_SURVIVED, file, OptionalLong.of(4242), Duration.ofMillis(1500))
            .getMessage();
    assertTrue(survived.contains("1500 ms of grace"), survived);
  }

  @Test
  void theDefaultPidfileIsInTheRuntimeDirectoryAndNamesTheInstance() throws IOException {
    Path runtime = Files.createDirectory(dir.resolve("runtime"));
    assertEquals(
        runtime.resolve("buildswarm-drone-builder-07.pid"),
        DefaultPidfile.forInstance("drone", "builder-07", Map.of("XDG_RUNTIME_DIR", runtime.toString())));
    assertEquals(
        Path.of("/tmp/buildswarm-drone-builder-07.pid"),
        DefaultPidfile.forInstance("drone", "builder-07", Map.of()));
    // A runtime directory that is not there, or relative, is not used.
    assertEquals(
        Path.of("/tmp/buildswarm-coordinator-local.pid"),
        DefaultPidfile.forInstance("coordinator", "local", Map.of("XDG_RUNTIME_DIR", dir.resolve("gone").toString())));
    assertEquals(
        Path.of("/tmp/buildswarm-coordinator-a_b.pid"),
        DefaultPidfile.forInstance("coordinator", "a/b", Map.of("XDG_RUNTIME_DIR", "relative")));
  }
}

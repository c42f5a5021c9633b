package dev.buildswarm.singleinstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard between real processes: holders are {@link HoldPidfile} JVMs, signalled and killed
 * for real.
 */
class PidfileGuardIT {
  private static final long ME = ProcessHandle.current().pid();
  private static final int SIGTERM_EXIT = 128 + 15;
  private static final int SIGKILL_EXIT = 128 + 9;

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killEveryChild() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly();
    }
    for (Process process : started) {
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLiveHolderMakesASecondStartRefuseAndKeepsRunning() throws Exception {
    Path file = dir.resolve("drone.pid");
    Process holder = hold(file, "acquire");

    AlreadyRunningException refused = assertThrows(AlreadyRunningException.class, () -> PidfileGuard.acquire(file));

    assertEquals(AlreadyRunningException.Why.HELD, refused.why());
    assertEquals(holder.pid(), refused.holderPid().orElseThrow());
    assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
    assertTrue(refused.getMessage().contains("pid " + holder.pid()), refused.getMessage());
    assertTrue(refused.getMessage().contains("--takeover"), refused.getMessage());
    assertTrue(holder.isAlive());
    assertEquals(holder.pid() + "\n", Files.readString(file));
    // And from a process of its own, as a daemon would start: exit code 75, same message.
    Process second = start(file, "acquire");
    assertTrue(second.waitFor(30, TimeUnit.SECONDS));
    assertEquals(PidfileGuard.EXIT_ALREADY_RUNNING, second.exitValue());
    assertTrue(output(second).contains("REFUSED HELD"), output(second));
    assertTrue(holder.isAlive());
  }

  @Test
  void aPidfileLeftByAKilledHolderIsTakenWithoutTakeover() throws Exception {
    Path file = dir.resolve("drone.pid");
    Process holder = hold(file, "acquire");
    holder.destroyForcibly().waitFor();
    // SIGKILL ran no hook: the dead holder's pid is still written, but nothing holds the lock.
    assertEquals(holder.pid() + "\n", Files.readString(file));

    try (PidfileGuard guard = PidfileGuard.acquire(file)) {
      assertEquals(guard.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void takeoverStopsTheHolderWithSigtermWithinTheGrace() throws Exception {
    Path file = dir.resolve("coordinator.pid");
    Process holder = hold(file, "acquire");
    long began = System.nanoTime();

    try (PidfileGuard guard = PidfileGuard.takeOver(file, Duration.ofSeconds(20))) {
      Duration took = Duration.ofNanos(System.nanoTime() - began);
      assertTrue(holder.waitFor(5, TimeUnit.SECONDS));
      assertEquals(SIGTERM_EXIT, holder.exitValue());
      assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "no SIGKILL needed: " + took);
      assertEquals(guard.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void takeoverKillsAHolderThatIgnoresSigterm() throws Exception {
    Path file = dir.resolve("drone.pid");
    Process holder = hold(file, "acquire", "0", "stubborn");
    long began = System.nanoTime();

    try (PidfileGuard guard = PidfileGuard.takeOver(file, Duration.ofMillis(1500))) {
      Duration took = Duration.ofNanos(System.nanoTime() - began);
      assertTrue(holder.waitFor(5, TimeUnit.SECONDS));
      assertEquals(SIGKILL_EXIT, holder.exitValue());
      assertTrue(took.compareTo(Duration.ofMillis(1500)) >= 0, "SIGKILL only after the grace: " + took);
      assertEquals(guard.pid() + "\n", Files.readString(file));
    }
  }

  @Test
  void concurrentTakeoversLeaveExactlyOneHolder() throws Exception {
    Path file = dir.resolve("drone.pid");
    Process holder = hold(file, "acquire");
    List<Process> takers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      takers.add(start(file, "takeover", "1000"));
    }

    List<Process> alive = awaitAtMostOneAlive(takers, Duration.ofSeconds(60));

    assertEquals(1, alive.size(), "exactly one survivor");
    Process survivor = alive.getFirst();
    awaitContent(file, survivor.pid() + "\n", Duration.ofSeconds(10));
    assertTrue(holder.waitFor(5, TimeUnit.SECONDS));
    assertEquals(SIGTERM_EXIT, holder.exitValue());
    for (Process taker : takers) {
      if (taker != survivor) {
        // Lost the race to another taker (75), or won it and was then taken over in turn (143).
        int exit = taker.exitValue();
        assertTrue(exit == PidfileGuard.EXIT_ALREADY_RUNNING || exit == SIGTERM_EXIT, "exit " + exit + ": " + output(taker));
      }
    }
    Thread.sleep(1000);
    assertTrue(survivor.isAlive(), output(survivor));
    assertFalse(takers.stream().filter(p -> p != survivor).anyMatch(Process::isAlive));
  }

  // ---------------------------------------------------------------------------------------------

  private Process hold(Path file, String... args) throws IOException, InterruptedException {
    Process process = start(file, args);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!output(process).contains("HELD " + process.pid())) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        fail("holder did not take the guard: " + output(process));
      }
      Thread.sleep(20);
    }
    return process;
  }

  private Process start(Path file, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaLauncher(), "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), HoldPidfile.class.getName(), file.toString()));
    command.addAll(List.of(args));
    Path log = dir.resolve("child-" + started.size() + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(process);
    return process;
  }

  private String output(Process process) throws IOException {
    return Files.readString(dir.resolve("child-" + started.indexOf(process) + ".log"));
  }

  private static String javaLauncher() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static List<Process> awaitAtMostOneAlive(List<Process> processes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Process> alive = processes.stream().filter(Process::isAlive).toList();
      if (alive.size() <= 1 || System.nanoTime() > deadline) {
        return alive;
      }
      Thread.sleep(50);
    }
  }

  private static void awaitContent(Path file, String expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readString(file).equals(expected)) {
      if (System.nanoTime() > deadline) {
        assertEquals(expected, Files.readString(file));
      }
      Thread.sleep(20);
    }
  }
}

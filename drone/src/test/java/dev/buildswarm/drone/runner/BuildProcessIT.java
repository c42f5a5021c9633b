package dev.buildswarm.drone.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.buildswarm.proto.v1.FailureClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real builds: small bash scripts in a temporary folder, run, cancelled and timed out, with what is
 * left of them read back from {@code /proc}. A process killed here stays a zombie while the machine's
 * init does not reap orphans, so "gone" means absent or a zombie: either way it runs no more.
 */
class BuildProcessIT {
  private static final Duration GRACE = Duration.ofSeconds(1);
  /** How long past the grace period ending a tree may take on a busy machine. */
  private static final Duration MARGIN = Duration.ofSeconds(4);
  private static final Duration LONG = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<Long> started = Collections.synchronizedList(new ArrayList<>());
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void needsLinuxAndTheTools() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    assertTrue(ProcessGroups.SETSID.isPresent(), "setsid (util-linux) is needed on a drone");
    assertTrue(ProcessGroups.KILL.isPresent(), "kill (procps or util-linux) is needed on a drone");
  }

  /** Whatever a failing test left running is killed here, so one failure does not slow the rest. */
  @AfterEach
  void killLeftovers() {
    for (long pid : List.copyOf(started)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  // --- process groups and cancel ---------------------------------------------------------------

  @Test
  void cancelEndsABuildAndItsChildAndGrandchildThatAllIgnoreSigterm() throws Exception {
    Path build = treeIgnoringSigterm();
    BuildProcess process = new BuildProcess(request(build, LONG, Duration.ZERO), GRACE);
    CompletableFuture<BuildResult> running = runInBackground(process);
    long root = awaitPid("root.pid");
    long child = awaitPid("child.pid");
    long grandchild = awaitPid("grandchild.pid");

    // Its own process group and session, led by the build itself, not the drone's.
    Stat stat = stat(root).orElseThrow();
    assertEquals(root, stat.pgrp(), "the build leads its own process group");
    assertEquals(root, stat.session(), "the build leads its own session");
    assertNotEquals(stat(ProcessHandle.current().pid()).orElseThrow().pgrp(), stat.pgrp());
    assertEquals(root, stat(child).orElseThrow().pgrp());
    assertEquals(root, stat(grandchild).orElseThrow().pgrp());
    assertTrue(membersOf(root).containsAll(List.of(root, child, grandchild)), "group " + membersOf(root));

    long cancelledAt = System.nanoTime();
    process.cancel();
    BuildResult result = running.get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - cancelledAt);

    for (long pid : List.of(root, child, grandchild)) {
      assertFalse(alive(pid), "process " + pid + " outlived cancel: " + stat(pid));
    }
    assertEquals(List.of(), membersOf(root), "processes left in the build's group");
    assertEquals(BuildResult.Ending.CANCELLED, result.ended());
    assertEquals(9, result.signal(), "the build ignored SIGTERM, so only SIGKILL could end it");
    assertEquals("build cancelled; ended by signal 9 (SIGKILL)", result.reason());
    assertTrue(took.compareTo(GRACE) >= 0, "SIGKILL came before the grace period was over: " + took);
  }

  @Test
  void anOrphanLeftInTheGroupIsEndedThroughTheGroup() throws Exception {
    // A subshell starts the orphan and exits: the orphan is no longer a descendant of the build
    // (its parent is init now), only a member of the build's process group.
    script(
        "orphan.sh",
        """
        echo $$ > orphan.pid
        while true; do sleep 0.1; done
        """);
    Path build =
        script(
            "build.sh",
            """
            trap '' TERM
            (./orphan.sh &)
            echo $$ > root.pid
            while true; do sleep 0.1; done
            """);
    BuildProcess process = new BuildProcess(request(build, LONG, Duration.ZERO), GRACE);
    CompletableFuture<BuildResult> running = runInBackground(process);
    long root = awaitPid("root.pid");
    long orphan = awaitPid("orphan.pid");
    assertFalse(
        ProcessHandle.of(root).orElseThrow().descendants().anyMatch(p -> p.pid() == orphan),
        "the orphan should have left the build's tree");
    assertEquals(root, stat(orphan).orElseThrow().pgrp());

    process.cancel();
    running.get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

    assertFalse(alive(orphan), "the orphan outlived cancel");
    assertEquals(List.of(), membersOf(root));
  }

  @Test
  void aProcessThatLeftTheBuildsGroupGetsSigtermAndIsEndedToo() throws Exception {
    // The escapee starts its own session (setsid), so a signal to the build's group misses it.
    // The build traps SIGTERM with a handler rather than ignoring it: an ignored signal would be
    // inherited, and bash cannot trap a signal that was ignored when it started.
    script(
        "escapee.sh",
        """
        trap 'echo TERM > escapee.term; exit 0' TERM
        echo $$ > escapee.pid
        while true; do sleep 0.1; done
        """);
    Path build =
        script(
            "build.sh",
            """
            trap ':' TERM
            echo $$ > root.pid
            setsid ./escapee.sh &
            while true; do sleep 0.1; done
            """);
    BuildProcess process = new BuildProcess(request(build, LONG, Duration.ZERO), GRACE);
    CompletableFuture<BuildResult> running = runInBackground(process);
    long root = awaitPid("root.pid");
    long escapee = awaitPid("escapee.pid");
    assertEquals(escapee, stat(escapee).orElseThrow().pgrp(), "the escapee leads a group of its own");

    process.cancel();
    BuildResult result = running.get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

    assertTrue(Files.exists(dir.resolve("escapee.term")), "the escapee never got SIGTERM");
    assertFalse(alive(escapee));
    assertFalse(alive(root));
    assertEquals(List.of(), membersOf(root));
    assertEquals(BuildResult.Ending.CANCELLED, result.ended());
  }

  @Test
  void aProcessInTheGroupGetsSigtermOnceNotOnceForTheGroupAndOnceAsADescendant() throws Exception {
    // A second SIGTERM could cut short the cleanup the first one started (emerge's, for one).
    Path build =
        script(
            "build.sh",
            """
            trap 'echo TERM >> terms' TERM
            echo $$ > root.pid
            while true; do sleep 0.1; done
            """);
    Path child =
        script(
            "child.sh",
            """
            trap 'echo TERM >> child.terms' TERM
            echo $$ > child.pid
            while true; do sleep 0.1; done
            """);
    Files.writeString(build, Files.readString(build).replace("while", child + " &\nwhile"));
    BuildProcess process = new BuildProcess(request(build, LONG, Duration.ZERO), GRACE);
    CompletableFuture<BuildResult> running = runInBackground(process);
    awaitPid("root.pid");
    awaitPid("child.pid");

    process.cancel();
    running.get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

    assertEquals(List.of("TERM"), Files.readAllLines(dir.resolve("terms")));
    assertEquals(List.of("TERM"), Files.readAllLines(dir.resolve("child.terms")));
  }

  @Test
  void aBuildCancelledBeforeItStartsIsEndedAtOnce() throws Exception {
    Path build = script("build.sh", "echo $$ > root.pid\nsleep 60\n");
    BuildProcess process = new BuildProcess(request(build, LONG, Duration.ZERO), GRACE);
    process.cancel();
    BuildResult result =
        runInBackground(process).get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(BuildResult.Ending.CANCELLED, result.ended());
    // The build may have been ended before it wrote its pid, or while writing it.
    Path pidFile = dir.resolve("root.pid");
    String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
    if (!pid.isEmpty()) {
      assertFalse(alive(Long.parseLong(pid)));
    }
  }

  @Test
  void withoutSetsidTheBuildStaysInTheDronesGroupAndItsTreeIsStillEnded() throws Exception {
    Path build = treeIgnoringSigterm();
    BuildProcess process =
        new BuildProcess(request(build, LONG, Duration.ZERO), GRACE, Optional.empty());
    CompletableFuture<BuildResult> running = runInBackground(process);
    long root = awaitPid("root.pid");
    long child = awaitPid("child.pid");
    long grandchild = awaitPid("grandchild.pid");
    assertEquals(stat(ProcessHandle.current().pid()).orElseThrow().pgrp(), stat(root).orElseThrow().pgrp());

    process.cancel();
    BuildResult result = running.get(GRACE.plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

    for (long pid : List.of(root, child, grandchild)) {
      assertFalse(alive(pid), "process " + pid + " outlived cancel");
    }
    assertEquals(BuildResult.Ending.CANCELLED, result.ended());
  }

  // --- timeout and silence ---------------------------------------------------------------------

  @Test
  void aTimeoutEndsTheWholeTreeAndSaysSo() throws Exception {
    Path build = treeIgnoringSigterm();
    BuildProcess process = new BuildProcess(request(build, Duration.ofSeconds(2), Duration.ZERO), GRACE);
    CompletableFuture<BuildResult> running = runInBackground(process);
    long root = awaitPid("root.pid");
    long child = awaitPid("child.pid");
    long grandchild = awaitPid("grandchild.pid");

    BuildResult result =
        running.get(Duration.ofSeconds(2).plus(GRACE).plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);

    assertEquals(BuildResult.Ending.TIMED_OUT, result.ended());
    assertEquals("build timed out after 2 s; ended by signal 9 (SIGKILL)", result.reason());
    assertEquals(FailureClass.TRANSIENT, FailureClassifier.classify(result));
    for (long pid : List.of(root, child, grandchild)) {
      assertFalse(alive(pid), "process " + pid + " outlived the timeout");
    }
    assertEquals(List.of(), membersOf(root));
  }

  @Test
  void aBuildThatPrintsNothingForTooLongIsEndedAsSilent() throws Exception {
    Path build = script("build.sh", "echo $$ > root.pid\necho starting\nsleep 60\n");
    BuildProcess process =
        new BuildProcess(request(build, LONG, Duration.ofSeconds(1)), GRACE);
    long startedAt = System.nanoTime();
    BuildResult result =
        runInBackground(process).get(Duration.ofSeconds(1).plus(GRACE).plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - startedAt);

    assertEquals(BuildResult.Ending.SILENT, result.ended());
    assertTrue(
        result.reason().startsWith("build printed nothing for 1 s"), result.reason());
    assertEquals(List.of("starting"), result.logTail());
    assertTrue(took.compareTo(Duration.ofSeconds(1)) >= 0, "ended before it was silent long enough");
    long root = Long.parseLong(Files.readString(dir.resolve("root.pid")).strip());
    assertFalse(alive(root));
    assertEquals(List.of(), membersOf(root));
  }

  @Test
  void aBuildThatKeepsPrintingIsNotSilentEvenWithoutNewlines() throws Exception {
    // 2.5 s of a dot every 0.2 s, against a 1 s silence timeout; no line ends until the last.
    Path build =
        script("build.sh", "for i in $(seq 1 12); do printf .; sleep 0.2; done\necho ' done'\n");
    BuildResult result =
        new BuildProcess(request(build, LONG, Duration.ofSeconds(1)), GRACE).run(lines::add);

    assertEquals(BuildResult.Ending.EXITED, result.ended(), result.reason());
    assertTrue(result.succeeded());
    assertEquals(List.of(".".repeat(12) + " done"), lines);
  }

  // --- exit status and signals -----------------------------------------------------------------

  @Test
  void aBuildKilledBySignalNineSaysSo() throws Exception {
    BuildResult result = runToEnd(script("build.sh", "echo about to die\nkill -9 $$\n"));
    assertEquals(BuildResult.Ending.EXITED, result.ended());
    assertEquals(9, result.signal());
    assertEquals(137, result.exitCode(), "Java reports 128 + the signal");
    assertEquals("build killed by signal 9 (SIGKILL)", result.reason());
    assertFalse(result.succeeded());
    assertEquals(FailureClass.TRANSIENT, FailureClassifier.classify(result));
  }

  @Test
  void exitThreeIsCodeThreeAndNoSignal() throws Exception {
    BuildResult result = runToEnd(script("build.sh", "echo failing\nexit 3\n"));
    assertEquals(BuildResult.Ending.EXITED, result.ended());
    assertEquals(3, result.exitCode());
    assertEquals(0, result.signal());
    assertEquals("build exited with code 3", result.reason());
    assertEquals(List.of("failing"), result.logTail());
  }

  @Test
  void aMissingBuilderCouldNotStartAndIsTheDronesFault() {
    BuildResult result =
        new BuildProcess(
                new BuildRequest(
                    List.of(dir.resolve("no-such-emerge").toString()), Map.of(), dir, LONG, Duration.ZERO),
                GRACE)
            .run(lines::add);
    assertEquals(BuildResult.Ending.COULD_NOT_START, result.ended(), result.reason());
    assertTrue(result.reason().contains("no-such-emerge"), result.reason());
    assertEquals(FailureClass.DRONE, FailureClassifier.classify(result));
  }

  // --- output ----------------------------------------------------------------------------------

  @Test
  void theLogLimitBoundsWhatIsStreamedWhileTheTailStillSeesEveryLine() throws Exception {
    Path build =
        script(
            "build.sh",
            """
            printf 'x%.0s' $(seq 1 10000); echo
            for i in $(seq 1 300); do echo "line $i"; done
            """);
    LogLimit limit = new LogLimit(100, 2_000);
    BuildResult result =
        new BuildProcess(request(build, LONG, Duration.ZERO), GRACE).run(limit.limiting(lines::add));

    assertTrue(result.succeeded(), result.reason());
    assertEquals("x".repeat(100) + LogLimit.LINE_CUT, lines.get(0));
    assertEquals(1, lines.stream().filter(limit.truncationMarker()::equals).count());
    assertEquals(limit.truncationMarker(), lines.get(lines.size() - 1));
    long streamed =
        lines.subList(0, lines.size() - 1).stream()
            .mapToLong(line -> LogLimit.utf8Length(line) + 1)
            .sum();
    assertTrue(streamed <= 2_000, "streamed " + streamed + " bytes");
    assertEquals(
        IntStream.rangeClosed(261, 300).mapToObj(i -> "line " + i).toList(), result.logTail());
  }

  @Test
  void theTailKeepsTheLastFortyLinesEachCut() throws Exception {
    Path build =
        script(
            "build.sh",
            """
            for i in $(seq 1 100); do echo "line $i"; done
            printf 'y%.0s' $(seq 1 10000); echo
            """);
    BuildResult result = runToEnd(build);

    assertEquals(101, lines.size(), "every line reaches the consumer");
    assertEquals(10_000, lines.get(100).length(), "the stream is cut by LogLimit, not here");
    assertEquals(40, result.logTail().size());
    assertEquals("line 62", result.logTail().get(0));
    assertEquals(
        "y".repeat(LogLimit.DEFAULT_MAX_LINE_BYTES) + LogLimit.LINE_CUT, result.logTail().get(39));
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** A build, its child and its grandchild, all ignoring SIGTERM, each writing its pid. */
  private Path treeIgnoringSigterm() throws IOException {
    script(
        "grandchild.sh",
        """
        trap '' TERM
        echo $$ > grandchild.pid
        while true; do sleep 0.1; done
        """);
    script(
        "child.sh",
        """
        trap '' TERM
        ./grandchild.sh &
        echo $$ > child.pid
        while true; do sleep 0.1; done
        """);
    return script(
        "build.sh",
        """
        trap '' TERM
        ./child.sh &
        echo $$ > root.pid
        while true; do sleep 0.1; done
        """);
  }

  private Path script(String name, String body) throws IOException {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/bash\nset -u\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private BuildRequest request(Path script, Duration timeout, Duration silence) {
    return new BuildRequest(List.of(script.toString()), Map.of(), dir, timeout, silence);
  }

  private BuildResult runToEnd(Path script) {
    return new BuildProcess(request(script, LONG, Duration.ZERO), GRACE).run(lines::add);
  }

  private CompletableFuture<BuildResult> runInBackground(BuildProcess process) {
    CompletableFuture<BuildResult> result = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                result.complete(process.run(lines::add));
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    return result;
  }

  /** Waits for a script to write its pid, and remembers it for {@link #killLeftovers}. */
  private long awaitPid(String file) throws Exception {
    Path path = dir.resolve(file);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(path)) {
        String text = Files.readString(path).strip();
        if (!text.isEmpty()) {
          long pid = Long.parseLong(text);
          started.add(pid);
          return pid;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(file + " never written");
  }

  record Stat(char state, long pgrp, long session) {}

  /** Fields 3, 5 and 6 of /proc/PID/stat, or empty when the process is gone. */
  private static Optional<Stat> stat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(
          new Stat(after[0].charAt(0), Long.parseLong(after[2]), Long.parseLong(after[3])));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Present and not a zombie. (Java's ProcessHandle counts a zombie as alive.) */
  private static boolean alive(long pid) {
    return stat(pid).map(s -> s.state() != 'Z').orElse(false);
  }

  /** Live (non-zombie) processes whose process group is {@code pgid}, sorted. */
  private static List<Long> membersOf(long pgid) throws IOException {
    try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
      return proc.map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .filter(pid -> stat(pid).map(s -> s.pgrp() == pgid && s.state() != 'Z').orElse(false))
          .sorted()
          .toList();
    }
  }
}

package dev.buildswarm.drone.runner;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one build as a process tree in a process group (and session) of its own, and ends the whole
 * tree on cancel, timeout or silence.
 *
 * <p>Starting: the argv runs through {@code setsid} (found once by {@link ProcessGroups}); a child
 * of the JVM is not a group leader, so {@code setsid} calls setsid(2) and execs the build in place:
 * the build's pid is its process-group id and its session id, and its exit status is its own.
 * Without {@code setsid} the build runs in the drone's group (one loud warning at start-up) and is
 * ended through its process tree only. Standard input is closed, so a build that asks a question
 * reads end-of-file instead of waiting for ever.
 *
 * <p>Ending: SIGTERM to the build's process group ({@code kill -s TERM -- -PGID}) and to every
 * descendant that has left the group, a grace period, then SIGKILL to the group, the build and
 * every descendant, listed again. Each step is isolated: one failing skips none of the rest.
 * {@link #run} returns only after that is done, so a freed slot never shares the host with the
 * remains of the build before.
 *
 * <p>Thread-safe: {@link #run} blocks the calling (virtual) thread and is called once; {@link
 * #cancel} may be called from any thread, at any time, any number of times.
 */
public final class BuildProcess {
  private static final Logger LOG = LoggerFactory.getLogger(BuildProcess.class);
  /** Lines of output kept with the result. */
  static final int TAIL_LINES = 40;
  /** Memory bound on one line as read; the tail and {@link LogLimit} cut far shorter. */
  private static final int MAX_LINE_CHARS = 64 * 1024;
  /** Stands for "no limit" in deadline arithmetic without overflowing it. */
  private static final long FOREVER_NANOS = Long.MAX_VALUE / 4;
  /** SIGKILL cannot be refused, but dying takes a moment (freeing memory, closing files). */
  private static final Duration DEATH_WAIT = Duration.ofSeconds(2);
  /** How often the end of a build's processes is looked for while ending it. */
  private static final Duration POLL = Duration.ofMillis(50);
  /** How long output may still drain after the tree has ended. */
  private static final Duration READER_DRAIN = Duration.ofSeconds(5);

  private final BuildRequest request;
  private final Duration grace;
  private final Optional<Path> setsid;
  private volatile Process process;
  /**
   * The first cause to end the build wins: the process exiting by itself ({@code EXITED}), cancel,
   * timeout or silence. Only a cause other than {@code EXITED} ends the tree, so a cancel that
   * comes after the build has finished signals nothing (its pid may already be reused).
   */
  private final AtomicReference<BuildResult.Ending> endedBy = new AtomicReference<>();
  private final AtomicBoolean ending = new AtomicBoolean();
  /** Completed once the tree has been ended: SIGTERM, grace and SIGKILL all done. */
  private final CompletableFuture<Void> treeEnded = new CompletableFuture<>();
  private volatile long lastOutputNanos;
  /** Cleared when run() returns: output that a leftover process still writes goes nowhere. */
  private volatile boolean delivering = true;

  /** Told when a build's process starts and when run() is done with it. */
  public interface Watcher {
    Watcher NONE = new Watcher() {
      @Override
      public void started(ProcessHandle build) {}

      @Override
      public void ended(ProcessHandle build) {}
    };

    void started(ProcessHandle build);

    void ended(ProcessHandle build);
  }

  private final Watcher watcher;

  public BuildProcess(BuildRequest request, Duration grace) {
    this(request, grace, ProcessGroups.SETSID, Watcher.NONE);
  }

  public BuildProcess(BuildRequest request, Duration grace, Watcher watcher) {
    this(request, grace, ProcessGroups.SETSID, watcher);
  }

  /** With {@code setsid} empty the build runs in the drone's own process group (the fallback). */
  BuildProcess(BuildRequest request, Duration grace, Optional<Path> setsid) {
    this(request, grace, setsid, Watcher.NONE);
  }

  private BuildProcess(BuildRequest request, Duration grace, Optional<Path> setsid, Watcher watcher) {
    this.request = request;
    this.grace = grace;
    this.setsid = setsid;
    this.watcher = watcher;
  }

  /**
   * Starts the build and blocks until it has ended and, if the drone ended it, until its whole tree
   * is gone. Hands each output line (stdout and stderr merged) to {@code lines}, on one thread.
   */
  public BuildResult run(Consumer<String> lines) {
    long startNanos = System.nanoTime();
    Deque<String> tail = new ArrayDeque<>();
    ProcessBuilder builder =
        new ProcessBuilder(command())
            .directory(request.workingDirectory().toFile())
            .redirectErrorStream(true);
    builder.environment().putAll(request.environment());
    Process started;
    try {
      started = builder.start();
    } catch (IOException e) {
      endedBy.compareAndSet(null, BuildResult.Ending.COULD_NOT_START);
      return couldNotStart(List.of(request.argv().get(0) + ": " + e.getMessage()), startNanos);
    }
    lastOutputNanos = System.nanoTime();
    process = started;
    watcher.started(started.toHandle());
    try {
      return follow(started, lines, tail, startNanos);
    } finally {
      watcher.ended(started.toHandle());
    }
  }

  private BuildResult follow(Process started, Consumer<String> lines, Deque<String> tail, long startNanos) {
    if (endedBy.get() != null) {
      startEnding(); // cancelled while starting
    }
    try {
      started.getOutputStream().close();
    } catch (IOException e) {
      LOG.debug("could not close the build's standard input", e);
    }
    Thread reader =
        Thread.ofVirtual()
            .name("build-output-" + started.pid())
            .start(() -> readLines(started, tail, lines));

    boolean interrupted = watch(started, startNanos);
    interrupted |= awaitExit(started);
    BuildResult.Ending cause =
        endedBy.compareAndSet(null, BuildResult.Ending.EXITED)
            ? BuildResult.Ending.EXITED
            : endedBy.get();
    if (cause != BuildResult.Ending.EXITED) {
      startEnding();
      treeEnded.join();
    }
    try {
      reader.join(READER_DRAIN);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    delivering = false;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }

    List<String> lastLines;
    synchronized (tail) {
      lastLines = new ArrayList<>(tail);
    }
    int exitValue = started.exitValue();
    if (cause == BuildResult.Ending.EXITED && setsidCouldNotExec(exitValue, lastLines)) {
      return couldNotStart(lastLines, startNanos);
    }
    Duration limit =
        switch (cause) {
          case TIMED_OUT -> request.timeout();
          case SILENT -> request.silenceTimeout();
          case EXITED, CANCELLED, COULD_NOT_START -> Duration.ZERO;
        };
    return new BuildResult(
        cause == BuildResult.Ending.EXITED ? exitValue : -1,
        BuildResult.signalOf(exitValue),
        cause,
        limit,
        Duration.ofNanos(System.nanoTime() - startNanos),
        lastLines);
  }

  /**
   * Ends the build's process tree; safe to call at any time, any number of times, from any thread.
   * Returns at once: the grace period runs on a thread of its own. Does nothing once the build has
   * ended by itself or for another reason.
   */
  public void cancel() {
    if (endedBy.compareAndSet(null, BuildResult.Ending.CANCELLED)) {
      startEnding();
    }
  }

  private List<String> command() {
    if (setsid.isEmpty()) {
      return request.argv();
    }
    List<String> command = new ArrayList<>(request.argv().size() + 2);
    command.add(setsid.get().toString());
    command.add("--");
    command.addAll(request.argv());
    return command;
  }

  /**
   * Waits until the build exits or a cause to end it comes up (timeout, silence, cancel,
   * interrupt). Returns whether the thread was interrupted.
   */
  private boolean watch(Process started, long startNanos) {
    long deadline = startNanos + nanos(request.timeout());
    long silence = request.limitsSilence() ? nanos(request.silenceTimeout()) : 0;
    while (endedBy.get() == null) {
      long now = System.nanoTime();
      long wait = deadline - now;
      if (wait <= 0) {
        endBecause(BuildResult.Ending.TIMED_OUT, "ran longer than " + request.timeout().toSeconds() + " s");
        return false;
      }
      if (silence > 0) {
        long quietLeft = lastOutputNanos + silence - now;
        if (quietLeft <= 0) {
          endBecause(
              BuildResult.Ending.SILENT,
              "printed nothing for " + request.silenceTimeout().toSeconds() + " s");
          return false;
        }
        wait = Math.min(wait, quietLeft);
      }
      try {
        if (started.waitFor(wait, TimeUnit.NANOSECONDS)) {
          return false;
        }
      } catch (InterruptedException e) {
        endBecause(BuildResult.Ending.CANCELLED, "was interrupted (drone stopping)");
        return true;
      }
    }
    return false;
  }

  private void endBecause(BuildResult.Ending cause, String why) {
    if (endedBy.compareAndSet(null, cause)) {
      LOG.info("build {} {}: ending it", request.argv(), why);
      startEnding();
    }
  }

  /** Ends the tree once, on a thread of its own; called only after a cause other than EXITED. */
  private void startEnding() {
    Process root = process;
    if (root == null || !ending.compareAndSet(false, true)) {
      return;
    }
    try {
      Thread.ofVirtual().name("end-build-" + root.pid()).start(() -> endTreeOnce(root));
    } catch (RuntimeException e) {
      LOG.warn("no thread to end build {} on; ending it here", root.pid(), e);
      endTreeOnce(root);
    }
  }

  private void endTreeOnce(Process root) {
    try {
      endTree(root);
    } catch (RuntimeException e) {
      LOG.warn("ending build {} failed", root.pid(), e);
    } finally {
      treeEnded.complete(null);
    }
  }

  /** Waits for the process to exit, through interrupts (the tree is being ended by then). */
  private static boolean awaitExit(Process started) {
    boolean interrupted = false;
    while (true) {
      try {
        started.waitFor();
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private void readLines(Process started, Deque<String> tail, Consumer<String> lines) {
    try (Reader in =
        new InputStreamReader(watched(started.getInputStream()), StandardCharsets.UTF_8)) {
      BoundedLineReader reader = new BoundedLineReader(in, MAX_LINE_CHARS);
      String line;
      while ((line = reader.readLine()) != null) {
        // The tail travels in the verdict: cut like the streamed log, so it stays small.
        String kept = LogLimit.cut(line, LogLimit.DEFAULT_MAX_LINE_BYTES);
        synchronized (tail) {
          tail.addLast(kept);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
        if (!delivering) {
          continue;
        }
        try {
          lines.accept(line);
        } catch (RuntimeException e) {
          LOG.warn("log consumer failed; output goes on", e);
        }
      }
    } catch (IOException e) {
      // The pipe closes when the tree is killed.
    }
  }

  /** Notes the time of every byte of output, for the silence timeout. */
  private InputStream watched(InputStream output) {
    return new FilterInputStream(output) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          lastOutputNanos = System.nanoTime();
        }
        return b;
      }

      @Override
      public int read(byte[] bytes, int offset, int length) throws IOException {
        int n = super.read(bytes, offset, length);
        if (n > 0) {
          lastOutputNanos = System.nanoTime();
        }
        return n;
      }
    };
  }

  /**
   * SIGTERM to the group and to descendants outside it, a grace period, then SIGKILL to the group,
   * the build and every descendant listed again. Each step catches its own failure.
   */
  private void endTree(Process root) {
    // With setsid the build leads its own group: its pid is the group id.
    long pgid = root.pid();
    boolean grouped = setsid.isPresent();
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    LOG.info(
        "ending build {} ({}): SIGTERM, {} s grace, then SIGKILL",
        pgid,
        grouped ? "process group " + pgid + " and descendants" : "process tree",
        grace.toSeconds());

    listDescendants(root, tree);
    boolean groupTerminated = grouped && signalGroupIfOurs(root, tree, pgid, "TERM");
    if (!groupTerminated) {
      // No group, or not yet: setsid may not have run yet when a cancel comes at once.
      signal(root.toHandle(), false);
    }
    for (ProcessHandle handle : tree) {
      // Members of the group have just had SIGTERM; a second one could cut short their cleanup.
      if (!groupTerminated || !inGroup(handle, pgid)) {
        signal(handle, false);
      }
    }

    awaitExit(root, tree, grace);

    // Look again: processes started during the grace period are ended too.
    listDescendants(root, tree);
    try {
      if (root.isAlive() || tree.stream().anyMatch(ProcessGroups::running)) {
        LOG.info("build {} outlived its {} s grace: SIGKILL", pgid, grace.toSeconds());
      }
    } catch (RuntimeException e) {
      LOG.debug("could not tell whether build {} outlived its grace", pgid, e);
    }
    if (grouped) {
      signalGroupIfOurs(root, tree, pgid, "KILL");
    }
    signal(root.toHandle(), true);
    for (ProcessHandle handle : tree) {
      signal(handle, true);
    }
    // Return once they are dead, not merely signalled.
    awaitExit(root, tree, DEATH_WAIT);
  }

  private static void listDescendants(Process root, Set<ProcessHandle> tree) {
    try {
      root.descendants().forEach(tree::add);
    } catch (RuntimeException e) {
      LOG.warn("could not list the processes of build {}", root.pid(), e);
    }
  }

  /**
   * Signals the group only while it is provably the build's: the build has not been reaped (so its
   * pid, the group id, cannot have been reused), or a process of its tree is still in the group
   * (Linux never reuses an id a live group still has). Otherwise the group is empty and its number
   * may belong to someone else by now, such as another build.
   */
  private static boolean signalGroupIfOurs(
      Process root, Set<ProcessHandle> tree, long pgid, String signal) {
    try {
      // isAlive, not running: a zombie member still holds the group's id.
      boolean ours =
          root.isAlive()
              || tree.stream().anyMatch(handle -> handle.isAlive() && inGroup(handle, pgid));
      return ours && ProcessGroups.signalGroup(pgid, signal);
    } catch (RuntimeException e) {
      LOG.warn("SIG{} to process group {} failed", signal, pgid, e);
      return false;
    }
  }

  private static boolean inGroup(ProcessHandle handle, long pgid) {
    OptionalLong group = ProcessGroups.groupOf(handle.pid());
    return group.isPresent() && group.getAsLong() == pgid;
  }

  private static void signal(ProcessHandle handle, boolean kill) {
    try {
      if (ProcessGroups.running(handle)) {
        if (kill) {
          handle.destroyForcibly();
        } else {
          handle.destroy();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("{} to {} failed", kill ? "SIGKILL" : "SIGTERM", handle.pid(), e);
    }
  }

  /**
   * Until the build and every listed descendant are gone (a zombie counts as gone), or {@code
   * limit}. Polls: {@link ProcessHandle#onExit} would wait for ever on a zombie nobody reaps.
   */
  private static void awaitExit(Process root, Set<ProcessHandle> tree, Duration limit) {
    long deadline = System.nanoTime() + nanos(limit);
    List<ProcessHandle> waitFor = new ArrayList<>();
    waitFor.add(root.toHandle());
    waitFor.addAll(tree);
    while (true) {
      try {
        waitFor.removeIf(handle -> !ProcessGroups.running(handle));
      } catch (RuntimeException e) {
        LOG.warn("could not tell which processes of build {} still run", root.pid(), e);
        return;
      }
      long left = deadline - System.nanoTime();
      if (waitFor.isEmpty() || left <= 0) {
        return;
      }
      try {
        Thread.sleep(Duration.ofNanos(Math.min(left, POLL.toNanos())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * setsid(1) reports that it could not exec the build (not found, not executable) on its own
   * output and exits 127 or 126: the build never started, as when Java cannot start a command.
   */
  private boolean setsidCouldNotExec(int exitValue, List<String> lastLines) {
    return setsid.isPresent()
        && (exitValue == 126 || exitValue == 127)
        && lastLines.size() == 1
        && lastLines.get(0).startsWith("setsid: ");
  }

  private static BuildResult couldNotStart(List<String> message, long startNanos) {
    return new BuildResult(
        -1,
        0,
        BuildResult.Ending.COULD_NOT_START,
        Duration.ZERO,
        Duration.ofNanos(System.nanoTime() - startNanos),
        message);
  }

  private static long nanos(Duration duration) {
    try {
      return Math.min(duration.toNanos(), FOREVER_NANOS);
    } catch (ArithmeticException tooLong) {
      return FOREVER_NANOS;
    }
  }
}

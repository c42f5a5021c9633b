package dev.buildswarm.drone.runner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one build as a process tree and ends the whole tree on cancel or timeout: SIGTERM to every
 * process, a grace period, then SIGKILL; each step isolated so one failure skips none of the rest.
 *
 * <p>Thread-safe: {@link #run} blocks the calling (virtual) thread; {@link #cancel} may be called
 * from any thread.
 */
public final class BuildProcess {
  private static final Logger LOG = LoggerFactory.getLogger(BuildProcess.class);
  private static final int TAIL_LINES = 40;

  private final BuildRequest request;
  private final Duration grace;
  private volatile Process process;
  private volatile boolean cancelled;
  /** Cleared when run() returns: output that a leftover grandchild still writes goes nowhere. */
  private volatile boolean delivering = true;
  private final AtomicBoolean ending = new AtomicBoolean();

  public BuildProcess(BuildRequest request, Duration grace) {
    this.request = request;
    this.grace = grace;
  }

  /**
   * Starts the process and blocks until it ends, handing each output line (stdout and stderr
   * merged) to {@code lines}.
   */
  public BuildResult run(Consumer<String> lines) {
    long startNanos = System.nanoTime();
    Deque<String> tail = new ArrayDeque<>();
    ProcessBuilder builder =
        new ProcessBuilder(request.argv())
            .directory(request.workingDirectory().toFile())
            .redirectErrorStream(true);
    builder.environment().putAll(request.environment());
    try {
      process = builder.start();
    } catch (IOException e) {
      return new BuildResult(
          -1,
          BuildResult.Ending.COULD_NOT_START,
          Duration.ofNanos(System.nanoTime() - startNanos),
          List.of(request.argv().get(0) + ": " + e.getMessage()));
    }
    if (cancelled) {
      endTree();
    }
    Process started = process;
    Thread reader =
        Thread.ofVirtual()
            .name("build-output-" + process.pid())
            .start(() -> readLines(started, tail, lines));
    boolean exited;
    try {
      exited = process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exited = false;
    }
    if (!exited) {
      endTree();
    }
    try {
      process.waitFor();
      reader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    delivering = false;
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    List<String> lastLines;
    synchronized (tail) {
      lastLines = new ArrayList<>(tail);
    }
    if (cancelled) {
      return new BuildResult(-1, BuildResult.Ending.CANCELLED, took, lastLines);
    }
    if (!exited) {
      return new BuildResult(-1, BuildResult.Ending.TIMED_OUT, took, lastLines);
    }
    return new BuildResult(process.exitValue(), BuildResult.Ending.EXITED, took, lastLines);
  }

  /**
   * Ends the build's process tree; safe to call at any time, any number of times, from any thread.
   * Returns at once: the grace period runs on a thread of its own.
   */
  public void cancel() {
    cancelled = true;
    if (process != null && ending.compareAndSet(false, true)) {
      Thread.ofVirtual().name("end-build-" + process.pid()).start(this::endTree);
    }
  }

  private void readLines(Process process, Deque<String> tail, Consumer<String> lines) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (tail) {
          tail.addLast(line);
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

  /** SIGTERM to the process and its descendants, a grace period, then SIGKILL to what is left. */
  private void endTree() {
    Process root = process;
    List<ProcessHandle> tree = new ArrayList<>();
    try {
      root.descendants().forEach(tree::add);
    } catch (RuntimeException e) {
      LOG.warn("could not list the build's child processes", e);
    }
    tree.add(root.toHandle());
    for (ProcessHandle handle : tree) {
      try {
        handle.destroy();
      } catch (RuntimeException e) {
        LOG.warn("SIGTERM to {} failed", handle.pid(), e);
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (ProcessHandle handle : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          handle.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception stillAlive) {
        // Killed below.
      }
    }
    // Look again: children forked during the grace period are ended too.
    try {
      root.descendants().forEach(tree::add);
    } catch (RuntimeException e) {
      LOG.warn("could not list the build's child processes", e);
    }
    for (ProcessHandle handle : tree) {
      try {
        if (handle.isAlive()) {
          handle.destroyForcibly();
        }
      } catch (RuntimeException e) {
        LOG.warn("SIGKILL to {} failed", handle.pid(), e);
      }
    }
  }
}

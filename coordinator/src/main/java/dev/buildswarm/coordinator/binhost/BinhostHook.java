package dev.buildswarm.coordinator.binhost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a command after new files land in the binhost, by default Portage's {@code emaint binhost
 * --fix} to regenerate the {@code Packages} index, when emaint exists. Runs after a burst of
 * uploads once more, never twice at the same time. Thread-safe.
 */
public final class BinhostHook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BinhostHook.class);

  private final Optional<List<String>> command;
  private final Path binhost;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile boolean closed;

  /**
   * @param configured the command line (split on spaces), {@code auto} for emaint when installed,
   *     or empty for none
   */
  public BinhostHook(String configured, Path binhost) {
    this.binhost = binhost;
    String c = configured == null ? "" : configured.strip();
    if (c.equals("auto")) {
      Optional<Path> emaint = onPath("emaint");
      this.command = emaint.map(e -> List.of(e.toString(), "binhost", "--fix"));
      if (emaint.isEmpty()) {
        LOG.info("no emaint on PATH: the binhost's Packages index is not regenerated after uploads");
      }
    } else {
      this.command = c.isEmpty() ? Optional.empty() : Optional.of(List.of(c.split("\\s+")));
    }
  }

  private static Optional<Path> onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** New files landed: run the hook (now, or once more after the run going on). */
  public void filesLanded() {
    if (command.isEmpty() || closed) {
      return;
    }
    pending.set(true);
    if (running.compareAndSet(false, true)) {
      Thread.ofVirtual().name("binhost-hook").start(this::drain);
    }
  }

  private void drain() {
    try {
      while (pending.getAndSet(false) && !closed) {
        run();
      }
    } finally {
      running.set(false);
      if (pending.get() && !closed && running.compareAndSet(false, true)) {
        Thread.ofVirtual().name("binhost-hook").start(this::drain);
      }
    }
  }

  private void run() {
    List<String> argv = command.orElseThrow();
    try {
      ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).directory(binhost.toFile());
      builder.environment().put("PKGDIR", binhost.toString());
      Process p = builder.start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        LOG.warn("binhost hook {} ran over 10 minutes: killed", argv);
      } else if (p.exitValue() != 0) {
        LOG.warn("binhost hook {} failed with exit code {}: {}", argv, p.exitValue(), output.strip());
      } else {
        LOG.info("binhost hook {} ran", argv);
      }
    } catch (IOException e) {
      LOG.warn("binhost hook {} could not run: {}", argv, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}

package dev.buildswarm.drone.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drone's record of its running builds' process groups, in a file beside its pidfile, so that
 * a drone started after one that died without ending its builds (SIGKILL, a crash, the host's OOM
 * killer) ends what it left behind (lesson 12): those builds' leases have expired or will, and
 * their packages are built again elsewhere. A group is ended only if its leader is the very process
 * recorded (same pid and start time) and still leads its group, so a reused pid is never hit.
 *
 * <p>Thread-safe.
 */
public final class LeftoverBuilds implements BuildProcess.Watcher {
  private static final Logger LOG = LoggerFactory.getLogger(LeftoverBuilds.class);

  private final Path file;
  /** pid (= process group id) -> start time, of the builds running now. Guarded by this. */
  private final Map<Long, Instant> running = new TreeMap<>();

  public LeftoverBuilds(Path file) {
    this.file = file;
  }

  /**
   * Ends the builds a previous drone recorded and left running: SIGTERM to each group, up to
   * {@code grace}, then SIGKILL. Returns how many groups it found alive. Clears the record.
   */
  public synchronized int endLeftovers(Duration grace) {
    List<ProcessHandle> alive = new ArrayList<>();
    for (Map.Entry<Long, Instant> recorded : read().entrySet()) {
      Optional<ProcessHandle> handle = ProcessHandle.of(recorded.getKey());
      if (handle.isPresent()
          && ProcessGroups.running(handle.get())
          && handle.get().info().startInstant().map(recorded.getValue()::equals).orElse(false)
          && ProcessGroups.groupOf(recorded.getKey()).orElse(-1) == recorded.getKey()) {
        alive.add(handle.get());
      }
    }
    for (ProcessHandle leader : alive) {
      LOG.warn("ending build process group {} left running by a drone that died", leader.pid());
      ProcessGroups.signalGroup(leader.pid(), "TERM");
    }
    long deadline = System.nanoTime() + grace.toNanos();
    while (alive.stream().anyMatch(ProcessGroups::running) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (ProcessHandle leader : alive) {
      ProcessGroups.signalGroup(leader.pid(), "KILL");
    }
    running.clear();
    save();
    return alive.size();
  }

  @Override
  public synchronized void started(ProcessHandle build) {
    // Recorded at once, even before setsid has made the build a group leader (it may not have
    // yet): endLeftovers() ends only a group the recorded process leads by then.
    build.info().startInstant().ifPresent(start -> {
      running.put(build.pid(), start);
      save();
    });
  }

  @Override
  public synchronized void ended(ProcessHandle build) {
    if (running.remove(build.pid()) != null) {
      save();
    }
  }

  private Map<Long, Instant> read() {
    Map<Long, Instant> out = new TreeMap<>();
    try {
      if (!Files.exists(file)) {
        return out;
      }
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] parts = line.strip().split(" ");
        if (parts.length == 2) {
          out.put(Long.parseLong(parts[0]), Instant.parse(parts[1]));
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read the record of running builds {}: {}", file, e.toString());
    }
    return out;
  }

  /** Writes the record whole, through a temporary file and a rename: never half written. */
  private void save() {
    StringBuilder text = new StringBuilder();
    running.forEach((pid, start) -> text.append(pid).append(' ').append(start).append('\n'));
    try {
      Path temp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("cannot write the record of running builds {}: {}", file, e.toString());
    }
  }
}

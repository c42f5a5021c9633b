package dev.buildswarm.drone.runner;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two util-linux/procps tools a build's process group needs, found once, and the signalling
 * built on them. Java can neither call {@code setsid(2)} nor signal a process group, so a build is
 * started through the {@code setsid} binary and its group is signalled through the {@code kill}
 * binary, each run as an argv (no shell).
 *
 * <p>Stateless after class initialisation; thread-safe.
 */
final class ProcessGroups {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessGroups.class);
  /** kill(1) returns at once; this only guards against a wedged host. */
  private static final long KILL_TOOL_WAIT_SECONDS = 5;

  /** {@code setsid}, or empty: builds then run in the drone's own process group. */
  static final Optional<Path> SETSID = find("setsid");
  /** {@code kill}, or empty: process groups then cannot be signalled, only single processes. */
  static final Optional<Path> KILL = find("kill");

  static {
    if (SETSID.isEmpty()) {
      LOG.warn(
          "NO setsid(1) in /usr/bin, /bin or PATH: builds run in the drone's own process group, and"
              + " a build's processes that leave its process tree cannot be ended on cancel or"
              + " timeout. Install util-linux.");
    } else if (KILL.isEmpty()) {
      LOG.warn(
          "NO kill(1) in /usr/bin, /bin or PATH: a build's process group cannot be signalled, only"
              + " the processes still in its tree. Install procps or util-linux.");
    }
  }

  private ProcessGroups() {}

  /** The usual places first, then every directory on the drone's PATH. */
  static Optional<Path> find(String tool) {
    List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        // A relative entry (".") would depend on where the drone was started: skipped.
        if (!dir.isEmpty() && Path.of(dir).isAbsolute()) {
          candidates.add(Path.of(dir, tool));
        }
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /**
   * Sends {@code signal} (a name such as {@code TERM}) to every process in group {@code pgid}.
   * Returns whether kill(1) reported success, i.e. the group exists and was signalled. Never
   * throws: the caller's next cleanup step runs whatever happens here.
   */
  static boolean signalGroup(long pgid, String signal) {
    if (KILL.isEmpty()) {
      return false;
    }
    List<String> argv = List.of(KILL.get().toString(), "-s", signal, "--", "-" + pgid);
    try {
      Process kill = new ProcessBuilder(argv).redirectErrorStream(true).start();
      kill.getOutputStream().close();
      if (!kill.waitFor(KILL_TOOL_WAIT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        LOG.warn("{} did not return within {} s", argv, KILL_TOOL_WAIT_SECONDS);
        return false;
      }
      // A few bytes at most ("kill: (-123): No such process"); the pipe holds them.
      String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (kill.exitValue() != 0) {
        // Usually the group is already empty, which is what we wanted.
        LOG.debug("{} exited {}: {}", argv, kill.exitValue(), said);
        return false;
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not run {}", argv, e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("interrupted while running {}", argv);
      return false;
    }
  }

  /**
   * The process group of {@code pid}, from {@code /proc/<pid>/stat} (field 5); empty when the
   * process is gone or {@code /proc} cannot be read.
   */
  static OptionalLong groupOf(long pid) {
    String[] fields = statFields(pid);
    // fields[0] = state (field 3), fields[1] = ppid, fields[2] = pgrp.
    try {
      return fields == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(fields[2]));
    } catch (RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Whether the process still runs. Java counts a zombie as alive, and where init does not reap
   * orphans (some containers) a killed build's orphans stay zombies for a long while; a zombie
   * runs no more, holds no memory, and needs no signal.
   */
  static boolean running(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    String[] fields = statFields(handle.pid());
    return fields == null || !fields[0].equals("Z");
  }

  /** The fields of {@code /proc/<pid>/stat} from field 3 (state) on, or null. */
  private static String[] statFields(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Field 2 is the command name in parentheses and may itself hold spaces or ')'.
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}

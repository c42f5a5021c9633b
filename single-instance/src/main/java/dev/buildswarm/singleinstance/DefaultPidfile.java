package dev.buildswarm.singleinstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a daemon's pidfile goes when the operator does not say: {@code $XDG_RUNTIME_DIR} (per
 * user, private, emptied at logout or reboot) when it is set to a folder, else {@code /tmp}.
 *
 * <p>Both are per host, and the file name carries what makes an instance (the drone's name, the
 * coordinator's swarm), so two drones with different names share a host and two with the same
 * name do not. A start with {@code $XDG_RUNTIME_DIR} and one without it (a login shell and a
 * system service) look in different places and do not see each other: service units should pass
 * {@code --pidfile} explicitly.
 */
public final class DefaultPidfile {
  private DefaultPidfile() {}

  /** {@code <runtime dir>/buildswarm-<daemon>-<instance>.pid} for this process's environment. */
  public static Path forInstance(String daemon, String instance) {
    return forInstance(daemon, instance, System.getenv());
  }

  /**
   * The swarm a coordinator or dashboard serves, which names its default pidfile: {@code
   * --buildswarm.swarm=} among its Micronaut arguments, else the {@code buildswarm.swarm} system
   * property, else {@code BUILDSWARM_SWARM}, else {@code local} (as in their {@code
   * application.yml}). A swarm set anywhere else (a config file) needs an explicit {@code
   * --pidfile}.
   */
  public static String swarm(List<String> micronautArgs, Map<String, String> environment) {
    String fromArgs = null;
    for (String arg : micronautArgs) {
      if (arg.startsWith("--buildswarm.swarm=")) {
        fromArgs = arg.substring("--buildswarm.swarm=".length());
      }
    }
    if (fromArgs != null) {
      return fromArgs;
    }
    String property = System.getProperty("buildswarm.swarm");
    return property != null ? property : environment.getOrDefault("BUILDSWARM_SWARM", "local");
  }

  static Path forInstance(String daemon, String instance, Map<String, String> environment) {
    return runtimeDirectory(environment).resolve("buildswarm-" + safe(daemon) + "-" + safe(instance) + ".pid");
  }

  static Path runtimeDirectory(Map<String, String> environment) {
    String xdg = environment.get("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank()) {
      Path dir = Path.of(xdg);
      if (dir.isAbsolute() && Files.isDirectory(dir)) {
        return dir;
      }
    }
    return Path.of("/tmp");
  }

  /** Keeps a name usable as part of a file name: anything but {@code A-Z a-z 0-9 . _ -} becomes {@code _}. */
  static String safe(String name) {
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.isEmpty() ? "_" : safe;
  }
}

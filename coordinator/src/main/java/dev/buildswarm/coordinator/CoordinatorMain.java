package dev.buildswarm.coordinator;

import dev.buildswarm.singleinstance.DefaultPidfile;
import dev.buildswarm.singleinstance.Durations;
import dev.buildswarm.singleinstance.PidfileGuard;
import io.micronaut.runtime.Micronaut;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * Starts the coordinator: HTTP (health), gRPC (drones and operators), the lease reaper. Takes the
 * single-instance guard first; every argument it does not know goes to Micronaut (settings come
 * from the environment, see {@code application.yml}).
 */
@Command(
    name = "buildswarm-coordinator",
    mixinStandardHelpOptions = true,
    versionProvider = CoordinatorMain.Version.class,
    description = "Runs a buildswarm coordinator. Settings come from the environment (BUILDSWARM_*).")
public final class CoordinatorMain implements Callable<Integer> {

  @Option(
      names = "--pidfile",
      description =
          "The single-instance guard: a second coordinator with the same pidfile refuses to start"
              + " (default: $XDG_RUNTIME_DIR/buildswarm-coordinator-<swarm>.pid, or /tmp/..."
              + " without XDG_RUNTIME_DIR).")
  Path pidfile;

  @Option(
      names = "--takeover",
      description =
          "If another coordinator holds the pidfile, stop it (SIGTERM, then SIGKILL after"
              + " --takeover-grace) and take its place; its ports are free once it has exited.")
  boolean takeover;

  @Option(
      names = "--takeover-grace",
      defaultValue = "45s",
      converter = Durations.class,
      description = "With --takeover, how long the old coordinator may take to stop before SIGKILL (default ${DEFAULT-VALUE}).")
  Duration takeoverGrace;

  @Unmatched List<String> micronautArgs = new ArrayList<>();

  public static void main(String[] args) {
    int exit = new CommandLine(new CoordinatorMain()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
    // 0: Micronaut has stopped (it returns after its shutdown hook), or --help / --version.
  }

  @Override
  public Integer call() throws Exception {
    if (takeoverGrace.isNegative()) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--takeover-grace must not be negative");
    }
    Path file =
        pidfile != null
            ? pidfile
            : DefaultPidfile.forInstance("coordinator", DefaultPidfile.swarm(micronautArgs, System.getenv()));
    // Before Micronaut: nothing connects to Redis or binds a port until the guard is ours.
    PidfileGuard guard;
    try {
      guard = PidfileGuard.forDaemon("buildswarm-coordinator", file, takeover, takeoverGrace);
    } catch (PidfileGuard.NotStarted e) {
      System.err.println(e.getMessage());
      return e.exitCode();
    }
    // Micronaut's own shutdown hook closes the servers; this one may run at the same time, so it
    // only empties the pidfile and leaves the lock to the kernel, which drops it when the process
    // has ended: a successor taking over cannot get the guard while the ports are still bound.
    Runtime.getRuntime().addShutdownHook(new Thread(guard::clearPid, "coordinator-pidfile"));
    Micronaut.build(micronautArgs.toArray(String[]::new))
        .mainClass(CoordinatorMain.class)
        .banner(false)
        .start();
    return 0;
  }

  /**
   * This build's version: the system property {@code buildswarm.version} when set (a release's
   * {@code bin/} launchers pass the release's {@code VERSION} file there, so a release stamped at
   * packaging time reports that stamp), else the filtered {@code version.properties}.
   */
  public static String version() {
    String stamped = System.getProperty("buildswarm.version", "").strip();
    if (!stamped.isEmpty()) {
      return stamped;
    }
    try (InputStream in = CoordinatorMain.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }

  /** For {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"buildswarm-coordinator " + version()};
    }
  }
}

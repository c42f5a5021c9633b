package dev.buildswarm.dashboard;

import dev.buildswarm.singleinstance.DefaultPidfile;
import dev.buildswarm.singleinstance.Durations;
import dev.buildswarm.singleinstance.PidfileGuard;
import io.micronaut.runtime.Micronaut;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * Starts the dashboard: the page at {@code /}, snapshots at {@code /ws}. Takes the single-instance
 * guard first (lesson 11); every argument it does not know goes to Micronaut (settings come from
 * the environment, see {@code application.yml}).
 */
@Command(
    name = "buildswarm-dashboard",
    mixinStandardHelpOptions = true,
    versionProvider = DashboardMain.Version.class,
    description = "Runs the buildswarm dashboard. Settings come from the environment (BUILDSWARM_*).")
public final class DashboardMain implements Callable<Integer> {
  /**
   * The Micronaut environment the dashboard's beans require: so that, inside the coordinator's
   * process, they stay out of the coordinator's own context (and the coordinator's out of theirs).
   */
  public static final String ENVIRONMENT = "dashboard";

  @Option(
      names = "--pidfile",
      description =
          "The single-instance guard: a second dashboard with the same pidfile refuses to start"
              + " (default: $XDG_RUNTIME_DIR/buildswarm-dashboard-<swarm>.pid, or /tmp/..."
              + " without XDG_RUNTIME_DIR).")
  Path pidfile;

  @Option(
      names = "--takeover",
      description =
          "If another dashboard holds the pidfile, stop it (SIGTERM, then SIGKILL after"
              + " --takeover-grace) and take its place; its port is free once it has exited.")
  boolean takeover;

  @Option(
      names = "--takeover-grace",
      defaultValue = "30s",
      converter = Durations.class,
      description = "With --takeover, how long the old dashboard may take to stop before SIGKILL (default ${DEFAULT-VALUE}).")
  Duration takeoverGrace;

  @Unmatched List<String> micronautArgs = new ArrayList<>();

  public static void main(String[] args) {
    int exit = new CommandLine(new DashboardMain()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
    // 0: Micronaut has stopped (it returns after its shutdown hook), or --help.
  }

  @Override
  public Integer call() throws Exception {
    if (takeoverGrace.isNegative()) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--takeover-grace must not be negative");
    }
    Path file = pidfile != null ? pidfile : DefaultPidfile.forInstance("dashboard", DefaultPidfile.swarm(micronautArgs, System.getenv()));
    // Before Micronaut: nothing reads Redis or binds the port until the guard is ours.
    PidfileGuard guard;
    try {
      guard = PidfileGuard.forDaemon("buildswarm-dashboard", file, takeover, takeoverGrace);
    } catch (PidfileGuard.NotStarted e) {
      System.err.println(e.getMessage());
      return e.exitCode();
    }
    // As the coordinator: the hook only empties the pidfile; the kernel drops the lock once the
    // process (and its listening port) is gone, so a successor never binds beside it.
    Runtime.getRuntime().addShutdownHook(new Thread(guard::clearPid, "dashboard-pidfile"));
    Micronaut.build(micronautArgs.toArray(String[]::new))
        .mainClass(DashboardMain.class)
        .environments(ENVIRONMENT)
        .banner(false)
        .start();
    return 0;
  }

  /**
   * For {@code --version}: the release's {@code VERSION}, which its {@code bin/} launchers pass as
   * the system property {@code buildswarm.version}, else {@code dev}.
   */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String stamped = System.getProperty("buildswarm.version", "").strip();
      return new String[] {"buildswarm-dashboard " + (stamped.isEmpty() ? "dev" : stamped)};
    }
  }
}

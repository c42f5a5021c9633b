package dev.buildswarm.drone;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.drone.http.DroneHttpServer;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.runner.LeftoverBuilds;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.tls.ClientTls;
import dev.buildswarm.singleinstance.DefaultPidfile;
import dev.buildswarm.singleinstance.Durations;
import dev.buildswarm.singleinstance.PidfileGuard;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import dev.buildswarm.tokens.AcceptedTokens;
import dev.buildswarm.tokens.TokenSource;
import picocli.CommandLine.Option;

/** {@code buildswarm-drone}: runs a drone until SIGINT or SIGTERM. */
@Command(
    name = "buildswarm-drone",
    mixinStandardHelpOptions = true,
    versionProvider = DroneMain.Version.class,
    description = "Runs a buildswarm drone: claims packages from the coordinator and builds them.")
public final class DroneMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(DroneMain.class);

  @Option(
      names = "--coordinator",
      defaultValue = "${env:BUILDSWARM_COORDINATOR:-localhost:7420}",
      description = "Coordinator gRPC address host:port (default ${DEFAULT-VALUE}).")
  String coordinator;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:BUILDSWARM_DRONE_TOKEN_FILE}",
      description =
          "File holding this drone's token (one of the coordinator's drone tokens), read again at every"
              + " connection so a rotated token needs no restart (default: env BUILDSWARM_DRONE_TOKEN_FILE;"
              + " env BUILDSWARM_DRONE_TOKEN gives the token itself). Never on the command line: ps shows it.")
  String tokenFile;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      defaultValue = "${env:BUILDSWARM_TLS_CA}",
      description =
          "Reach the coordinator over TLS, trusting the CAs in this PEM file (else env BUILDSWARM_TLS_CA)."
              + " A tls:// coordinator address uses TLS trusting the JVM's CAs.")
  String tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      defaultValue = "${env:BUILDSWARM_TLS_CERT}",
      description =
          "This drone's client certificate (PEM), for a coordinator that takes drones over mutual TLS"
              + " (else env BUILDSWARM_TLS_CERT). Needs --tls-key.")
  String tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      defaultValue = "${env:BUILDSWARM_TLS_KEY}",
      description = "The private key of --tls-cert, PKCS#8 PEM (else env BUILDSWARM_TLS_KEY).")
  String tlsKey;

  @Option(names = "--name", description = "Drone name, unique in the swarm (default: host name).")
  String name;

  @Option(names = "--cores", description = "Cores given to builds (default: all).")
  Integer cores;

  @Option(names = "--slots", defaultValue = "1", description = "Builds at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--speed", defaultValue = "1.0", description = "Relative speed (default ${DEFAULT-VALUE}).")
  double speed;

  @Option(
      names = "--build-command",
      description =
          "Build command template as a JSON array (default: [\"emerge\",\"--oneshot\",\"--buildpkg\","
              + "\"--usepkg=n\",\"{atom}\"]). Placeholders: {atom} {cpv} {category} {package}"
              + " {version} {slot} {repo}.")
  String buildCommand;

  @Option(names = "--workdir", defaultValue = ".", description = "Where builds start (default: current folder).")
  Path workDir;

  @Option(
      names = "--pkgdir",
      defaultValue = "/var/cache/binpkgs",
      description = "PKGDIR for builds (default ${DEFAULT-VALUE}).")
  Path pkgDir;

  @Option(names = "--makeopts", description = "MAKEOPTS for builds (default: -j<cores>).")
  String makeopts;

  @Option(names = "--env", split = "\\|", description = "Extra build environment, KEY=VALUE; repeatable.")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(
      names = "--build-timeout",
      defaultValue = "24h",
      converter = Durations.class,
      description = "Longest a build may run, e.g. 90m, 24h (default ${DEFAULT-VALUE}).")
  Duration buildTimeout;

  @Option(
      names = "--kill-grace",
      defaultValue = "30s",
      converter = Durations.class,
      description = "Time between SIGTERM and SIGKILL when a build is stopped (default ${DEFAULT-VALUE}).")
  Duration killGrace;

  @Option(
      names = "--silence-timeout",
      defaultValue = "2h",
      converter = Durations.class,
      description = "End a build that prints nothing for this long; 0 = never (default ${DEFAULT-VALUE}).")
  Duration silenceTimeout;

  @Option(
      names = "--log-limit",
      defaultValue = "8388608",
      description = "Bytes of build output streamed per build; past it, one truncation line (default ${DEFAULT-VALUE}).")
  long logLimit;

  @Option(
      names = "--capability",
      split = "\\|",
      description = "What this host is, KEY=VALUE, e.g. profile=default/linux/amd64/23.0; repeatable. arch and"
          + " profile are found by themselves.")
  Map<String, String> capabilities = new LinkedHashMap<>();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A properties file of defaults for these options, one per line as NAME=VALUE, NAME being the"
              + " option's long name without dashes (coordinator=build-master:7420, slots=2,"
              + " env=FEATURES=-test|USE=-doc). Options given on the command line win.")
  Path configFile;

  @Option(
      names = "--pidfile",
      description =
          "The single-instance guard: a second drone with the same pidfile refuses to start"
              + " (default: $XDG_RUNTIME_DIR/buildswarm-drone-<name>.pid, or /tmp/... without"
              + " XDG_RUNTIME_DIR).")
  Path pidfile;

  @Option(
      names = "--takeover",
      description =
          "If another drone holds the pidfile, stop it (SIGTERM, then SIGKILL after"
              + " --takeover-grace) and take its place.")
  boolean takeover;

  @Option(
      names = "--takeover-grace",
      converter = Durations.class,
      description =
          "With --takeover, how long the old drone may take to give its builds back before SIGKILL"
              + " (default: --kill-grace + 15s, 45s with the default --kill-grace).")
  Duration takeoverGrace;

  @Option(
      names = "--http-port",
      defaultValue = "${env:BUILDSWARM_DRONE_HTTP_PORT}",
      description =
          "Serve /health and /metrics over HTTP on this port; 0 = any free port (logged); not set = no"
              + " HTTP server (the default: drones sharing a host need ports of their own).")
  Integer httpPort;

  @Option(
      names = "--http-host",
      defaultValue = "${env:BUILDSWARM_DRONE_HTTP_HOST:-127.0.0.1}",
      description = "Address for --http-port (default ${DEFAULT-VALUE}).")
  String httpHost;

  public static void main(String[] args) {
    System.exit(commandLine(args).execute(args));
  }

  /** The command line, with the defaults of {@code --config FILE} when given. */
  static CommandLine commandLine(String[] args) {
    CommandLine cli = new CommandLine(new DroneMain());
    for (int i = 0; i < args.length; i++) {
      String file = null;
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
      if (file != null) {
        cli.setDefaultValueProvider(new ConfigFile(Path.of(file)));
      }
    }
    return cli;
  }

  /** Defaults from a properties file; a missing or unreadable file is an error naming it. */
  static final class ConfigFile implements CommandLine.IDefaultValueProvider {
    private final Path path;
    private Properties properties;

    ConfigFile(Path path) {
      this.path = path;
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
      if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
        return null;
      }
      if (properties == null) {
        properties = new Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(path)) {
          properties.load(in);
        } catch (IOException e) {
          throw new CommandLine.InitializationException("cannot read --config " + path + ": " + e.getMessage());
        }
        for (String key : properties.stringPropertyNames()) {
          if (option.command().findOption(key) == null || key.equals("config")) {
            throw new CommandLine.InitializationException(
                "--config " + path + ": unknown setting '" + key + "' (use an option's long name without dashes)");
          }
        }
      }
      return properties.getProperty(option.longestName().replaceFirst("^--", ""));
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Who may read the drone's /metrics: the swarm's reader tokens, from the environment. */
  private static AcceptedTokens readerTokens() {
    String inline = System.getenv("BUILDSWARM_READER_TOKENS");
    return AcceptedTokens.of(
        "reader tokens (BUILDSWARM_READER_TOKENS, BUILDSWARM_READER_TOKENS_FILE)",
        inline == null ? java.util.List.of() : java.util.List.of(inline.split(",")),
        System.getenv("BUILDSWARM_READER_TOKENS_FILE"));
  }

  /** The command line this was parsed by (its error stream is where usage errors go). */
  private CommandLine commandLine() {
    return spec != null ? spec.commandLine() : new CommandLine(this);
  }

  @Override
  public Integer call() throws Exception {
    DroneConfig config = config();
    if (takeoverGrace != null && takeoverGrace.isNegative()) {
      throw new CommandLine.ParameterException(commandLine(), "--takeover-grace must not be negative");
    }
    // The guard comes before anything that talks to the coordinator or starts a build.
    PidfileGuard guard;
    Path file = pidfile != null ? pidfile : DefaultPidfile.forInstance("drone", config.name());
    try {
      guard =
          PidfileGuard.forDaemon(
              "buildswarm-drone " + config.name(), file, takeover,
              takeoverGrace != null ? takeoverGrace : killGrace.plusSeconds(15));
    } catch (PidfileGuard.NotStarted e) {
      System.err.println(e.getMessage());
      return e.exitCode();
    }
    LOG.info("drone {} holds the pidfile {} (pid {})", config.name(), guard.pidfile(), guard.pid());
    // Builds a drone of this name left running when it died are ended before new ones start.
    LeftoverBuilds leftovers = new LeftoverBuilds(guard.pidfile().resolveSibling(guard.pidfile().getFileName() + ".builds"));
    int ended = leftovers.endLeftovers(killGrace);
    if (ended > 0) {
      LOG.warn("ended {} builds a previous drone {} left running", ended, config.name());
    }
    DroneAgent agent = new DroneAgent(config, leftovers);
    // Up before the session: liveness answers at once, readiness says "not registered" until then.
    Optional<DroneHttpServer> http;
    try {
      http = httpPort == null ? Optional.empty() : Optional.of(DroneHttpServer.start(httpHost, httpPort, agent, config.version(), readerTokens()));
    } catch (UncheckedIOException e) {
      System.err.println("buildswarm-drone " + config.name() + " NOT STARTED: " + e.getMessage());
      guard.close();
      return 1;
    }
    http.ifPresent(h -> LOG.info("drone {} serves /health and /metrics at http://{}:{}/", config.name(), httpHost, h.port()));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    agent.close();
                    http.ifPresent(DroneHttpServer::close);
                  } finally {
                    // Released only once the builds are given back: a successor taking over
                    // must not start while this drone still reports.
                    guard.close();
                    stopped.countDown();
                  }
                },
                "drone-shutdown"));
    agent.start();
    stopped.await();
    return 0;
  }

  DroneConfig config() throws IOException {
    int useCores = cores != null ? cores : Runtime.getRuntime().availableProcessors();
    List<String> template;
    if (buildCommand == null) {
      template = BuildTemplate.EMERGE;
    } else {
      try {
        template = new ObjectMapper().readValue(buildCommand, new TypeReference<List<String>>() {});
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            commandLine(),
            "--build-command must be a JSON array of strings, e.g. [\"emerge\",\"{atom}\"]: "
                + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    TokenSource token = TokenSource.of(System.getenv("BUILDSWARM_DRONE_TOKEN"), tokenFile);
    if (!token.isConfigured()) {
      throw new CommandLine.ParameterException(
          commandLine(),
          "no drone token: give --token-file FILE (or token-file= in --config, or env BUILDSWARM_DRONE_TOKEN_FILE),"
              + " or env BUILDSWARM_DRONE_TOKEN; the coordinator admits no drone without one");
    }
    try {
      token.current();
    } catch (IllegalStateException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage());
    }
    String host = InetAddress.getLocalHost().getHostName();
    try {
      return new DroneConfig(
          name != null ? name : host,
          host,
          coordinator,
          token,
          useCores,
          slots,
          speed,
          BuildTemplate.of(template),
          workDir.toAbsolutePath(),
          pkgDir.toAbsolutePath(),
          makeopts != null ? makeopts : "-j" + useCores,
          env,
          buildTimeout,
          killGrace,
          version(),
          capabilities,
          silenceTimeout,
          logLimit,
          tls(coordinator, tlsCa, tlsCert, tlsKey));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine(), e.getMessage());
    }
  }

  /** The TLS settings, with the files read once now so a wrong one is named before anything starts. */
  private static ClientTls tls(String coordinator, String ca, String cert, String key) {
    ClientTls tls = ClientTls.of(coordinator, ca, cert, key);
    tls.credentials();
    return tls;
  }

  /**
   * This build's version: the system property {@code buildswarm.version} when set (a release's
   * {@code bin/} launchers pass the release's {@code VERSION} file there, so a release stamped at
   * packaging time reports that stamp), else the filtered {@code version.properties}.
   */
  static String version() {
    String stamped = System.getProperty("buildswarm.version", "").strip();
    if (!stamped.isEmpty()) {
      return stamped;
    }
    try (InputStream in = DroneMain.class.getResourceAsStream("version.properties")) {
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
      return new String[] {"buildswarm-drone " + version()};
    }
  }
}

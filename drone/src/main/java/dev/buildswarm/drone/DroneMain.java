package dev.buildswarm.drone;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code buildswarm-drone}: runs a drone until SIGINT or SIGTERM. */
@Command(
    name = "buildswarm-drone",
    mixinStandardHelpOptions = true,
    versionProvider = DroneMain.Version.class,
    description = "Runs a buildswarm drone: claims packages from the coordinator and builds them.")
public final class DroneMain implements Callable<Integer> {

  @Option(
      names = "--coordinator",
      defaultValue = "${env:BUILDSWARM_COORDINATOR:-localhost:7420}",
      description = "Coordinator gRPC address host:port (default ${DEFAULT-VALUE}).")
  String coordinator;

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

  @Option(names = "--env", description = "Extra build environment, KEY=VALUE; repeatable.")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(
      names = "--build-timeout",
      defaultValue = "24h",
      converter = DurationConverter.class,
      description = "Longest a build may run, e.g. 90m, 24h (default ${DEFAULT-VALUE}).")
  Duration buildTimeout;

  @Option(
      names = "--kill-grace",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "Time between SIGTERM and SIGKILL when a build is stopped (default ${DEFAULT-VALUE}).")
  Duration killGrace;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DroneMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    DroneConfig config = config();
    DroneAgent agent = new DroneAgent(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  stopped.countDown();
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
            new CommandLine(this),
            "--build-command must be a JSON array of strings, e.g. [\"emerge\",\"{atom}\"]: "
                + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    String host = InetAddress.getLocalHost().getHostName();
    try {
      return new DroneConfig(
          name != null ? name : host,
          host,
          coordinator,
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
          version());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
  }

  static String version() {
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

  /** Reads {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d} or a number of seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase();
      try {
        if (v.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        long n = Long.parseLong(v.replaceAll("[smhd]$", ""));
        return switch (v.charAt(v.length() - 1)) {
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> Duration.ofSeconds(n);
        };
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration; use e.g. 90s, 30m, 2h, 1d");
      }
    }
  }
}

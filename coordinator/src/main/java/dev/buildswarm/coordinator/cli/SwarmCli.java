package dev.buildswarm.coordinator.cli;

import dev.buildswarm.coordinator.CoordinatorMain;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.tls.ClientTls;
import io.grpc.ManagedChannel;
import dev.buildswarm.tokens.TokenSource;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code swarm}: the operator's command line. */
@Command(
    name = "swarm",
    mixinStandardHelpOptions = true,
    versionProvider = SwarmCli.Version.class,
    description = "Drives a buildswarm: queue packages, watch drones and progress.",
    subcommands = {
      QueueCommand.class,
      StatusCommand.class,
      DronesCommand.class,
      DroneCommand.class,
      WatchCommand.class,
      LogsCommand.class,
      EventsCommand.class,
      HistoryCommand.class,
      ArtifactsCommand.class,
      CompletionCommand.class
    })
public final class SwarmCli implements Runnable {

  /** Exit codes: 0 fine, 1 the swarm said no, 2 bad input, 3 coordinator unreachable. */
  static final int EXIT_REFUSED = 1;

  static final int EXIT_BAD_INPUT = 2;
  static final int EXIT_UNREACHABLE = 3;

  @Option(
      names = "--coordinator",
      scope = ScopeType.INHERIT,
      description =
          "Coordinator gRPC address host:port (else env BUILDSWARM_COORDINATOR, else coordinator= in the"
              + " config file, else localhost:7420).")
  String coordinator;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      description =
          "Operator token (else env BUILDSWARM_TOKEN, else token= in the config file, else --token-file)."
              + " On the command line it shows in ps: prefer --token-file.")
  String token;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "File holding the operator token, its first line that is neither blank nor a # comment (else env"
              + " BUILDSWARM_TOKEN_FILE, else token-file= in the config file).")
  String tokenFile;

  @Option(
      names = "--tls-ca",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "Reach the coordinator over TLS, trusting the CAs in this PEM file (else env BUILDSWARM_TLS_CA, else"
              + " tls-ca= in the config file). A tls:// address uses TLS trusting the JVM's CAs.")
  String tlsCa;

  @Option(
      names = "--tls-cert",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "A client certificate (PEM) to present, for a coordinator that asks every client for one (else env"
              + " BUILDSWARM_TLS_CERT, else tls-cert=). Needs --tls-key.")
  String tlsCert;

  @Option(
      names = "--tls-key",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "The key of --tls-cert, PKCS#8 PEM (else env BUILDSWARM_TLS_KEY, else tls-key=).")
  String tlsKey;

  @Option(
      names = "--config",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description =
          "Properties file with coordinator=, token=, token-file=, tls-ca=, tls-cert=, tls-key= (else env BUILDSWARM_CLI_CONFIG, else"
              + " ~/.config/buildswarm/swarm.properties when it exists).")
  Path config;

  /** The channel {@link #call} uses, opened on its first call; closed by {@link #run}. */
  private ManagedChannel shared;

  /** How the command reached the coordinator, once resolved (for messages). */
  private ClientTls tls = ClientTls.PLAINTEXT;

  /** The coordinator address the command used, once resolved (for messages). */
  private String target = "localhost:7420";

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print JSON (one object, or one per line for streams) instead of text, for scripts.")
  boolean json;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Whether the command line asked for JSON output. */
  static boolean json(CommandLine.Model.CommandSpec spec) {
    return ((SwarmCli) spec.root().userObject()).json;
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs one command line, printing to the given writers; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SwarmCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof StatusRuntimeException status
              && String.valueOf(status.getStatus().getDescription()).startsWith("coordinator could not serve")) {
            // Reached, but it failed (Redis down, say): not "unreachable".
            err.println("swarm: " + status.getStatus().getDescription());
            return EXIT_REFUSED;
          }
          if (e instanceof StatusRuntimeException status) {
            return switch (status.getStatus().getCode()) {
              case UNAUTHENTICATED -> {
                err.println(
                    "swarm: " + status.getStatus().getDescription()
                        + " (give it with --token-file, BUILDSWARM_TOKEN_FILE, token-file= in the config file, or --token)");
                yield EXIT_REFUSED;
              }
              case INVALID_ARGUMENT -> {
                err.println("swarm: " + status.getStatus().getDescription());
                yield EXIT_BAD_INPUT;
              }
              case NOT_FOUND -> {
                err.println("swarm: " + status.getStatus().getDescription());
                yield EXIT_BAD_INPUT;
              }
              case UNAVAILABLE, DEADLINE_EXCEEDED -> {
                err.println(
                    "swarm: cannot reach the coordinator at "
                        + ((SwarmCli) commandLine.getCommandSpec().root().userObject()).target
                        + " ("
                        + status.getStatus().getDescription()
                        + ((SwarmCli) commandLine.getCommandSpec().root().userObject()).tls.explain(status.getStatus())
                        + "); is it running? Set --coordinator or BUILDSWARM_COORDINATOR.");
                yield EXIT_UNREACHABLE;
              }
              default -> {
                err.println("swarm: " + status.getStatus().getCode() + ": " + status.getStatus().getDescription());
                yield EXIT_REFUSED;
              }
            };
          }
          throw e;
        });
    try {
      return cli.execute(args);
    } finally {
      SwarmCli root = cli.getCommand();
      if (root.shared != null) {
        close(root.shared);
      }
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Opens a channel to the coordinator; the caller closes it. */
  static ManagedChannel channel(CommandLine.Model.CommandSpec spec) {
    SwarmCli root = (SwarmCli) spec.root().userObject();
    Properties file = root.configFile(spec);
    String target = first(root.coordinator, System.getenv("BUILDSWARM_COORDINATOR"), file.getProperty("coordinator"), "localhost:7420");
    try {
      ClientTls tls =
          root.tls = ClientTls.of(
              target,
              first(root.tlsCa, System.getenv("BUILDSWARM_TLS_CA"), file.getProperty("tls-ca")),
              first(root.tlsCert, System.getenv("BUILDSWARM_TLS_CERT"), file.getProperty("tls-cert")),
              first(root.tlsKey, System.getenv("BUILDSWARM_TLS_KEY"), file.getProperty("tls-key")));
      root.target = ClientTls.address(target) + (tls.enabled() ? " over TLS" : "");
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(ClientTls.address(target), tls.credentials());
      return withToken(builder, operatorToken(spec, root, file)).build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "TLS settings: " + e.getMessage());
    }
  }

  private static String operatorToken(CommandLine.Model.CommandSpec spec, SwarmCli root, Properties file) {
    String given = first(root.token, System.getenv("BUILDSWARM_TOKEN"), file.getProperty("token"), "");
    String tokenFile = first(root.tokenFile, System.getenv("BUILDSWARM_TOKEN_FILE"), file.getProperty("token-file"), "");
    try {
      return TokenSource.of(given, tokenFile).current();
    } catch (IllegalStateException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static NettyChannelBuilder withToken(NettyChannelBuilder builder, String token) {
    if (!token.isBlank()) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token.strip());
      builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return builder;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return "";
  }

  /** The CLI's config file: --config, else BUILDSWARM_CLI_CONFIG, else the user's when present. */
  private Properties configFile(CommandLine.Model.CommandSpec spec) {
    Path path = config;
    if (path == null && System.getenv("BUILDSWARM_CLI_CONFIG") != null) {
      path = Path.of(System.getenv("BUILDSWARM_CLI_CONFIG"));
    }
    boolean named = path != null;
    if (path == null) {
      path = Path.of(System.getProperty("user.home"), ".config", "buildswarm", "swarm.properties");
    }
    Properties p = new Properties();
    if (!named && !Files.exists(path)) {
      return p;
    }
    try (java.io.Reader in = Files.newBufferedReader(path)) {
      p.load(in);
    } catch (java.io.IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "cannot read the config file " + path + ": " + e.getMessage());
    }
    return p;
  }

  static AdminServiceGrpc.AdminServiceBlockingStub admin(ManagedChannel channel) {
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** One admin call on a channel of its own. */
  static <T> T call(CommandLine.Model.CommandSpec spec, Function<AdminServiceGrpc.AdminServiceBlockingStub, T> rpc) {
    SwarmCli root = (SwarmCli) spec.root().userObject();
    // One channel for the whole command: commands that loop (watch, --follow, retry --failed)
    // would otherwise connect anew for every call. Closed when the command line ends.
    if (root.shared == null) {
      root.shared = channel(spec);
    }
    return rpc.apply(admin(root.shared));
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Prints a value (maps, lists, strings, numbers) as one line of JSON. */
  static void printJson(CommandLine.Model.CommandSpec spec, Object value) {
    try {
      spec.commandLine().getOut().println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"swarm " + CoordinatorMain.version()};
    }
  }
}

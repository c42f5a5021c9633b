package dev.buildswarm.coordinator.cli;

import dev.buildswarm.coordinator.CoordinatorMain;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
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
    subcommands = {QueueCommand.class, StatusCommand.class, HistoryCommand.class})
public final class SwarmCli implements Runnable {

  /** Exit codes: 0 fine, 1 the swarm said no, 2 bad input, 3 coordinator unreachable. */
  static final int EXIT_REFUSED = 1;

  static final int EXIT_BAD_INPUT = 2;
  static final int EXIT_UNREACHABLE = 3;

  @Option(
      names = "--coordinator",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:BUILDSWARM_COORDINATOR:-localhost:7420}",
      description = "Coordinator gRPC address host:port (default ${DEFAULT-VALUE}; env BUILDSWARM_COORDINATOR).")
  String coordinator;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
          if (e instanceof StatusRuntimeException status) {
            return switch (status.getStatus().getCode()) {
              case INVALID_ARGUMENT -> {
                err.println("swarm: " + status.getStatus().getDescription());
                yield EXIT_BAD_INPUT;
              }
              case UNAVAILABLE, DEADLINE_EXCEEDED -> {
                err.println(
                    "swarm: cannot reach the coordinator at "
                        + ((SwarmCli) commandLine.getCommandSpec().root().userObject()).coordinator
                        + " ("
                        + status.getStatus().getDescription()
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
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Opens a channel to the coordinator; the caller closes it. */
  static ManagedChannel channel(CommandLine.Model.CommandSpec spec) {
    String target = ((SwarmCli) spec.root().userObject()).coordinator;
    return NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  static AdminServiceGrpc.AdminServiceBlockingStub admin(ManagedChannel channel) {
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
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

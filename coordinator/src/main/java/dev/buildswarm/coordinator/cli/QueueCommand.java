package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.EnqueueReply;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.EnqueueResult;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swarm queue ...}: the package queue. */
@Command(
    name = "queue",
    mixinStandardHelpOptions = true,
    description = "Work with the package queue.",
    subcommands = {QueueCommand.Add.class})
final class QueueCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code swarm queue add ATOM...}: all atoms or none. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Queue packages. If any atom is invalid, nothing is queued.")
  static final class Add implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ATOM", description = "Gentoo atoms, e.g. =sys-libs/glibc-2.38-r10")
    List<String> atoms;

    @Option(names = "--priority", defaultValue = "0", description = "Higher builds first (default ${DEFAULT-VALUE}).")
    int priority;

    @Option(
        names = "--after",
        arity = "1..*",
        paramLabel = "ATOM",
        description = "Build only after these (queued in the same command or already in the swarm).")
    List<String> after = List.of();

    @Override
    public Integer call() {
      ManagedChannel channel = SwarmCli.channel(spec);
      try {
        EnqueueReply reply =
            SwarmCli.admin(channel)
                .enqueue(
                    EnqueueRequest.newBuilder().addAllAtoms(atoms).addAllAfter(after).setPriority(priority).build());
        PrintWriter out = spec.commandLine().getOut();
        int queued = 0;
        for (EnqueueResult result : reply.getResultsList()) {
          if (result.getQueued()) {
            queued++;
            out.printf(
                "%-9s %-6s %s%n",
                result.getExistingState().equals("blocked") ? "blocked" : "queued",
                result.getPackageId(),
                result.getAtom());
          } else {
            out.printf(
                "unchanged %-6s %s (already %s%s)%n",
                result.getPackageId(),
                result.getAtom(),
                result.getExistingState(),
                after.isEmpty() ? "" : "; its dependencies are not changed");
          }
        }
        out.printf("%d queued, %d already in the swarm%n", queued, reply.getResultsCount() - queued);
        return 0;
      } finally {
        SwarmCli.close(channel);
      }
    }
  }
}

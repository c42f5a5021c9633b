package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code swarm status}: the summary block. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show queue, drones and cores at a glance.")
final class StatusCommand implements Callable<Integer> {
  /** In the order a package goes through them. */
  private static final List<String> STATES =
      List.of("blocked", "queued", "delayed", "claimed", "building", "done", "failed", "cancelled");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    ManagedChannel channel = SwarmCli.channel(spec);
    try {
      StatusReply status = SwarmCli.admin(channel).status(StatusRequest.getDefaultInstance());
      print(status, spec.commandLine().getOut());
      return 0;
    } finally {
      SwarmCli.close(channel);
    }
  }

  static void print(StatusReply status, PrintWriter out) {
    Map<String, Long> p = status.getPackagesByStateMap();
    Map<String, Long> d = status.getDronesByStateMap();
    long packages = p.values().stream().mapToLong(Long::longValue).sum();
    long online = d.getOrDefault("idle", 0L) + d.getOrDefault("building", 0L);
    StringBuilder queue = new StringBuilder("Queue: " + packages + " packages");
    for (String state : STATES) {
      queue.append(" · ").append(state).append(' ').append(p.getOrDefault(state, 0L));
    }
    out.println(queue);
    out.printf(
        "Drones: %d online (%d building, %d idle) · %d offline%n",
        online, d.getOrDefault("building", 0L), d.getOrDefault("idle", 0L), d.getOrDefault("offline", 0L));
    out.printf("Cores: %d active of %d%n", status.getCoresActive(), status.getCoresTotal());
    out.printf("State: %s%n", status.getSwarmState());
  }
}

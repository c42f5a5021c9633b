package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code swarm status}: the summary block. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show queue, drones and cores at a glance.")
final class StatusCommand implements Callable<Integer> {
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
    out.printf(
        "Queue: %d packages · queued %d · claimed %d · building %d · done %d · failed %d%n",
        packages,
        p.getOrDefault("queued", 0L),
        p.getOrDefault("claimed", 0L),
        p.getOrDefault("building", 0L),
        p.getOrDefault("done", 0L),
        p.getOrDefault("failed", 0L));
    out.printf(
        "Drones: %d online (%d building, %d idle) · %d offline%n",
        online, d.getOrDefault("building", 0L), d.getOrDefault("idle", 0L), d.getOrDefault("offline", 0L));
    out.printf("Cores: %d active of %d%n", status.getCoresActive(), status.getCoresTotal());
    out.printf("State: %s%n", status.getSwarmState());
  }
}

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
@Command(name = "status", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm status --json"}, description = "Show queue, drones and cores at a glance.")
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
      if (SwarmCli.json(spec)) {
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("packages_by_state", new java.util.TreeMap<>(status.getPackagesByStateMap()));
        json.put("drones_by_state", new java.util.TreeMap<>(status.getDronesByStateMap()));
        json.put("cores_active", status.getCoresActive());
        json.put("cores_total", status.getCoresTotal());
        json.put("state", status.getSwarmState());
        json.put("open_expected_ms", status.getOpenExpectedMs());
        json.put("working_slots", status.getWorkingSlots());
        json.put("eta_ms", status.getEtaMs());
        SwarmCli.printJson(spec, json);
        return 0;
      }
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
    long online = d.getOrDefault("idle", 0L) + d.getOrDefault("building", 0L) + d.getOrDefault("grounded", 0L);
    StringBuilder queue = new StringBuilder("Queue: " + packages + " packages");
    for (String state : STATES) {
      queue.append(" · ").append(state).append(' ').append(p.getOrDefault(state, 0L));
    }
    out.println(queue);
    out.printf(
        "Drones: %d active, %d idle, %d grounded · %d draining · %d offline (%d online)%n",
        d.getOrDefault("building", 0L), d.getOrDefault("idle", 0L), d.getOrDefault("grounded", 0L),
        d.getOrDefault("draining", 0L), d.getOrDefault("offline", 0L), online);
    out.printf("Cores: %d active of %d%n", status.getCoresActive(), status.getCoresTotal());
    out.printf("State: %s%n", status.getSwarmState());
    if (status.getOpenExpectedMs() > 0) {
      out.printf(
          "ETA: %s (%s of expected build time over %d working slots)%n",
          status.getEtaMs() < 0 ? "unknown, no drone can take work" : duration(status.getEtaMs()),
          duration(status.getOpenExpectedMs()), status.getWorkingSlots());
    }
  }

  /** 3 h 20 min, 12 min, 40 s. */
  static String duration(long ms) {
    long minutes = ms / 60_000;
    if (minutes >= 60) {
      return minutes / 60 + " h " + minutes % 60 + " min";
    }
    return minutes > 0 ? minutes + " min" : ms / 1000 + " s";
  }
}

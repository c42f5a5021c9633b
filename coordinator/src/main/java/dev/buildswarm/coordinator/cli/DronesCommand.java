package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.DroneInfo;
import dev.buildswarm.proto.v1.DronesReply;
import dev.buildswarm.proto.v1.DronesRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code swarm drones [list]}: every drone, one line each. */
@Command(name = "drones", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm drones --json | jq '.drones[] | select(.state == \"grounded\") | .name'"}, description = "List the drones: state, cores, slots, builds, load, version.")
final class DronesCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Parameters(arity = "0..1", paramLabel = "list", description = "(optional) list")
  String list;

  @Override
  public Integer call() {
    if (list != null && !list.equals("list")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "unknown drones command '" + list + "' (list)");
    }
    DronesReply reply = SwarmCli.call(spec, admin -> admin.drones(DronesRequest.getDefaultInstance()));
    if (SwarmCli.json(spec)) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (DroneInfo d : reply.getDronesList()) {
        rows.add(json(d));
      }
      SwarmCli.printJson(spec, Map.of("drones", rows));
      return 0;
    }
    print(reply.getDronesList(), spec.commandLine().getOut(), System.currentTimeMillis());
    return 0;
  }

  static Map<String, Object> json(DroneInfo d) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", d.getName());
    row.put("host", d.getHost());
    row.put("state", state(d));
    row.put("cores", d.getCores());
    row.put("slots", d.getSlots());
    row.put("running", d.getRunningList());
    row.put("load_average", d.getLoadAverage());
    row.put("version", d.getVersion());
    row.put("last_heartbeat_ms", d.getLastHeartbeatMs());
    row.put("built", d.getBuilt());
    row.put("failed", d.getFailed());
    row.put("grounded_reason", d.getGroundedReason());
    row.put("draining", d.getDraining());
    row.put("free_disk_bytes", d.getFreeDiskBytes());
    row.put("capabilities", d.getCapabilitiesMap());
    return row;
  }

  /** offline, grounded, draining, building or idle: what an operator needs to know first. */
  static String state(DroneInfo d) {
    if (d.getState().equals("offline")) {
      return "offline";
    }
    if (!d.getGroundedReason().isEmpty()) {
      return "grounded";
    }
    return d.getDraining() ? "draining" : d.getState();
  }

  static void print(List<DroneInfo> drones, PrintWriter out, long nowMs) {
    out.printf("%-16s %-9s %5s %5s %6s %8s %-10s %s%n", "NAME", "STATE", "CORES", "SLOTS", "LOAD", "BEAT", "VERSION", "BUILDS");
    for (DroneInfo d : drones) {
      String beat = d.getLastHeartbeatMs() == 0 ? "-" : Math.max(0, (nowMs - d.getLastHeartbeatMs()) / 1000) + "s ago";
      out.printf(
          "%-16s %-9s %5d %2d/%-2d %6s %8s %-10s %s%s%n",
          d.getName(), state(d), d.getCores(), d.getRunningCount(), d.getSlots(),
          d.getLoadAverage() < 0 ? "-" : String.format("%.2f", d.getLoadAverage()), beat, d.getVersion(),
          String.join(", ", d.getRunningList()),
          d.getGroundedReason().isEmpty() ? "" : "  grounded: " + d.getGroundedReason());
    }
  }
}

package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.DroneOrder;
import dev.buildswarm.proto.v1.OrderDroneReply;
import dev.buildswarm.proto.v1.OrderDroneRequest;
import io.grpc.ManagedChannel;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code swarm drone ground|unground|drain|undrain NAME [--reason R]}: an operator's order to a drone. */
@Command(name = "drone", mixinStandardHelpOptions = true, description = "Ground, unground, drain or undrain one drone.")
final class DroneCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "ground", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm drone ground builder-07 --reason \"bad RAM\""}, description = "It claims nothing until ungrounded; running builds go on.")
  int ground(@Parameters(paramLabel = "NAME") String drone, @Option(names = "--reason", defaultValue = "") String reason) {
    return order(drone, DroneOrder.GROUND, reason);
  }

  @Command(name = "unground", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm drone unground builder-07"}, description = "It claims again.")
  int unground(@Parameters(paramLabel = "NAME") String drone, @Option(names = "--reason", defaultValue = "") String reason) {
    return order(drone, DroneOrder.UNGROUND, reason);
  }

  @Command(name = "drain", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm drone drain builder-07 --reason \"kernel upgrade\""}, description = "It finishes running builds and takes nothing new.")
  int drain(@Parameters(paramLabel = "NAME") String drone, @Option(names = "--reason", defaultValue = "") String reason) {
    return order(drone, DroneOrder.DRAIN, reason);
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm drone undrain builder-07"}, description = "It takes work again.")
  int undrain(@Parameters(paramLabel = "NAME") String drone, @Option(names = "--reason", defaultValue = "") String reason) {
    return order(drone, DroneOrder.UNDRAIN, reason);
  }

  /** Sends the order and prints how the drone stands now. */
  private int order(String drone, DroneOrder order, String reason) {
    ManagedChannel channel = SwarmCli.channel(spec);
    try {
      OrderDroneReply reply =
          SwarmCli.admin(channel)
              .orderDrone(OrderDroneRequest.newBuilder().setDrone(drone).setOrder(order).setReason(reason).build());
      if (SwarmCli.json(spec)) {
        SwarmCli.printJson(
            spec,
            Map.of(
                "drone", drone, "changed", reply.getChanged(), "grounded_reason", reply.getGroundedReason(),
                "draining", reply.getDraining()));
        return 0;
      }
      String now =
          (reply.getGrounded() ? "grounded (" + reply.getGroundedReason() + ")" : "not grounded")
              + (reply.getDraining() ? ", draining" : ", not draining");
      spec.commandLine().getOut().printf("drone %s: %s%s%n", drone, reply.getChanged() ? "" : "unchanged, ", now);
      return 0;
    } finally {
      SwarmCli.close(channel);
    }
  }
}

package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.DronesReply;
import dev.buildswarm.proto.v1.DronesRequest;
import dev.buildswarm.proto.v1.Event;
import dev.buildswarm.proto.v1.EventsReply;
import dev.buildswarm.proto.v1.EventsRequest;
import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code swarm watch}: the summary, one line per drone and the latest events, redrawn until Ctrl-C. */
@Command(name = "watch", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm watch --interval 2"}, description = "A live view of the swarm, refreshed until Ctrl-C.")
final class WatchCommand implements Callable<Integer> {
  private static final int EVENTS_SHOWN = 10;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--interval", defaultValue = "1", description = "Seconds between refreshes (default ${DEFAULT-VALUE}).")
  double interval;

  @Option(names = "--count", defaultValue = "0", description = "Stop after this many refreshes (0: until Ctrl-C).")
  int count;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    Deque<Event> recent = new ArrayDeque<>();
    String cursor = "";
    for (int round = 0; count == 0 || round < count; round++) {
      StatusReply status = SwarmCli.call(spec, admin -> admin.status(StatusRequest.getDefaultInstance()));
      DronesReply drones = SwarmCli.call(spec, admin -> admin.drones(DronesRequest.getDefaultInstance()));
      String from = cursor;
      EventsReply events =
          SwarmCli.call(spec, admin -> admin.events(EventsRequest.newBuilder().setSince(from).setLimit(1000).build()));
      cursor = events.getCursor();
      for (Event e : events.getEventsList()) {
        recent.addLast(e);
        if (recent.size() > EVENTS_SHOWN) {
          recent.removeFirst();
        }
      }
      // Clear the screen and go home: a terminal redraw without a curses library.
      out.print("\u001b[H\u001b[2J");
      StatusCommand.print(status, out);
      out.println();
      DronesCommand.print(drones.getDronesList(), out, System.currentTimeMillis());
      out.println();
      out.println("Recent events:");
      for (Event e : recent) {
        Map<String, String> f = e.getFieldsMap();
        out.printf("  %s  %-16s %s%n", QueueCommand.time(f.get("ts")), f.get("type"), QueueCommand.details(f));
      }
      out.flush();
      Thread.sleep((long) (interval * 1000));
    }
    return 0;
  }
}

package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.Event;
import dev.buildswarm.proto.v1.EventsReply;
import dev.buildswarm.proto.v1.EventsRequest;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code swarm events [--since CURSOR] [--follow]}: the event stream, in absolute order. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = "Print swarm events in order; each line starts with its cursor.",
    footer = {"", "Examples:", "  swarm events --limit 20", "  swarm events --since 1795379149561-0 --follow --json"})
final class EventsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--since", defaultValue = "", description = "Only events after this cursor (default: the oldest kept).")
  String since;

  @Option(names = "--limit", defaultValue = "100", description = "About this many per page (default ${DEFAULT-VALUE}); a page ends with whole steps, so it may hold a few more.")
  int limit;

  @Option(names = "--follow", description = "Keep printing new events until Ctrl-C.")
  boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    String cursor = since;
    PrintWriter out = spec.commandLine().getOut();
    while (true) {
      String from = cursor;
      EventsReply reply =
          SwarmCli.call(spec, admin -> admin.events(EventsRequest.newBuilder().setSince(from).setLimit(limit).build()));
      for (Event e : reply.getEventsList()) {
        print(e, out);
      }
      out.flush();
      cursor = reply.getCursor();
      if (!follow) {
        if (!SwarmCli.json(spec) && reply.getEventsCount() >= limit) {
          out.printf("more: swarm events --since %s%n", cursor);
        }
        return 0;
      }
      if (reply.getEventsCount() < limit) {
        Thread.sleep(500);
      }
    }
  }

  private void print(Event e, PrintWriter out) {
    if (SwarmCli.json(spec)) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("cursor", e.getId());
      row.putAll(new TreeMap<>(e.getFieldsMap()));
      SwarmCli.printJson(spec, row);
    } else {
      Map<String, String> f = e.getFieldsMap();
      out.printf("%s  %s  %-16s %s%n", e.getId(), QueueCommand.time(f.get("ts")), f.get("type"), QueueCommand.details(f));
    }
  }
}

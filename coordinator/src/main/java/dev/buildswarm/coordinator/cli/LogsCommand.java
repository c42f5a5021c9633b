package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.LogsReply;
import dev.buildswarm.proto.v1.LogsRequest;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swarm logs ATOM|ID [--follow] [--attempt N]}: a package's build output. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print a package's build log (its last attempt unless --attempt).",
    footer = {"", "Examples:", "  swarm logs =sys-libs/glibc-2.38-r10 --follow", "  swarm logs 1234 --attempt 1"})
final class LogsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "ATOM|ID")
  String which;

  @Option(names = "--attempt", defaultValue = "0", description = "Which attempt (1 is the first; default the last).")
  int attempt;

  @Option(names = "--follow", description = "Keep printing while the build runs.")
  boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    long from = 0;
    int shown = attempt;
    // Named by atom, a package is found only until it ends: after the first page, by its id.
    String id = which;
    while (true) {
      LogsRequest request = LogsRequest.newBuilder().setPackage(id).setAttempt(shown).setFrom(from).build();
      LogsReply reply = SwarmCli.call(spec, admin -> admin.logs(request));
      shown = reply.getAttempt();
      id = reply.getPackageId();
      for (String chunk : reply.getChunksList()) {
        if (SwarmCli.json(spec)) {
          SwarmCli.printJson(spec, Map.of("package_id", reply.getPackageId(), "attempt", reply.getAttempt(), "text", chunk));
        } else {
          out.print(chunk.endsWith("\n") ? chunk : chunk + "\n");
        }
      }
      out.flush();
      from = reply.getNext();
      boolean running = reply.getState().equals("claimed") || reply.getState().equals("building");
      if (!follow || !running) {
        return 0;
      }
      Thread.sleep(500);
    }
  }
}

package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.HistoryReply;
import dev.buildswarm.proto.v1.HistoryRequest;
import dev.buildswarm.proto.v1.ImportHistoryReply;
import dev.buildswarm.proto.v1.ImportHistoryRequest;
import dev.buildswarm.proto.v1.PackageHistory;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code swarm history ...}: recorded build durations, which schedule the longest builds first. */
@Command(
    name = "history",
    footer = {"", "Example:", "  swarm history show"},
    mixinStandardHelpOptions = true,
    description = "Recorded build durations per package.",
    subcommands = {HistoryCommand.Import.class, HistoryCommand.Show.class})
final class HistoryCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code swarm history import EMERGE_LOG}. */
  @Command(name = "import", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm history import /var/log/emerge.log"}, description = "Learn build durations from a Portage emerge.log.")
  static final class Import implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "EMERGE_LOG", description = "e.g. /var/log/emerge.log")
    Path log;

    @Override
    public Integer call() {
      String text;
      try {
        // emerge.log is mostly ASCII; ISO-8859-1 reads any byte without failing.
        text = Files.readString(log, StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        spec.commandLine().getErr().println("swarm: cannot read " + log + ": " + e.getMessage());
        return SwarmCli.EXIT_BAD_INPUT;
      }
      ManagedChannel channel = SwarmCli.channel(spec);
      try {
        ImportHistoryReply reply =
            SwarmCli.admin(channel).importHistory(ImportHistoryRequest.newBuilder().setEmergeLog(text).build());
        if (SwarmCli.json(spec)) {
          SwarmCli.printJson(
              spec,
              Map.of("recorded", reply.getRecorded(), "packages", reply.getPackages(), "skipped", reply.getSkipped()));
          return 0;
        }
        spec.commandLine()
            .getOut()
            .printf(
                "learned %d builds of %d packages from %s (%d completions skipped: no start or unreadable)%n",
                reply.getRecorded(), reply.getPackages(), log, reply.getSkipped());
        return 0;
      } finally {
        SwarmCli.close(channel);
      }
    }
  }

  /** {@code swarm history show [CAT/PKG]}. */
  @Command(name = "show", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm history show sys-devel/gcc"}, description = "Expected build time per package.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "CAT/PKG", description = "One package name; all when omitted.")
    String key;

    @Override
    public Integer call() {
      ManagedChannel channel = SwarmCli.channel(spec);
      try {
        HistoryReply reply =
            SwarmCli.admin(channel).history(HistoryRequest.newBuilder().setKey(key == null ? "" : key).build());
        PrintWriter out = spec.commandLine().getOut();
        if (SwarmCli.json(spec)) {
          List<Map<String, Object>> rows = new ArrayList<>();
          for (PackageHistory h : reply.getPackagesList()) {
            rows.add(Map.of("package", h.getKey(), "expected_ms", h.getExpectedMs(), "builds", h.getBuilds()));
          }
          SwarmCli.printJson(spec, Map.of("history", rows));
          return reply.getPackagesCount() == 0 && key != null ? SwarmCli.EXIT_REFUSED : 0;
        }
        if (reply.getPackagesCount() == 0) {
          out.println(key == null ? "no build history recorded" : "no build history for " + key);
          return key == null ? 0 : SwarmCli.EXIT_REFUSED;
        }
        out.printf("%-45s %12s %7s%n", "PACKAGE", "EXPECTED", "BUILDS");
        for (PackageHistory h : reply.getPackagesList()) {
          out.printf("%-45s %12s %7d%n", h.getKey(), duration(h.getExpectedMs()), h.getBuilds());
        }
        return 0;
      } finally {
        SwarmCli.close(channel);
      }
    }

    private static String duration(long ms) {
      long s = ms / 1000;
      return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
  }
}

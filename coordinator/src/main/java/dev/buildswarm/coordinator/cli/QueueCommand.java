package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.EnqueueReply;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.EnqueueResult;
import io.grpc.ManagedChannel;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.ClearReply;
import dev.buildswarm.proto.v1.ClearRequest;
import dev.buildswarm.proto.v1.Event;
import dev.buildswarm.proto.v1.ListPackagesReply;
import dev.buildswarm.proto.v1.ListPackagesRequest;
import dev.buildswarm.proto.v1.PackageReply;
import dev.buildswarm.proto.v1.PackageRequest;
import dev.buildswarm.proto.v1.PackageSummary;
import dev.buildswarm.proto.v1.PauseReply;
import dev.buildswarm.proto.v1.PauseRequest;
import dev.buildswarm.proto.v1.ShowPackageReply;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swarm queue ...}: the package queue. */
@Command(
    name = "queue",
    footer = {"", "Example:", "  swarm queue list --state building"},
    mixinStandardHelpOptions = true,
    description = "Work with the package queue.",
    subcommands = {QueueCommand.Add.class, QueueImport.class})
final class QueueCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code swarm queue add ATOM...}: all atoms or none. */
  @Command(
      name = "add",
    footer = {"", "Example:", "  swarm queue add =dev-lang/rust-1.75.0 --priority 10 --after =sys-devel/llvm-17.0.6"},
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
        if (SwarmCli.json(spec)) {
          List<Map<String, Object>> rows = new ArrayList<>();
          for (EnqueueResult result : reply.getResultsList()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("atom", result.getAtom());
            row.put("package_id", result.getPackageId());
            row.put("queued", result.getQueued());
            row.put("state", result.getExistingState());
            rows.add(row);
          }
          SwarmCli.printJson(spec, Map.of("results", rows));
          return 0;
        }
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

  @Command(name = "list", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue list --state failed --limit 20"}, description = "List packages by id, a page at a time.")
  int list(
      @Option(names = "--state", description = "Only this state (queued, building, failed, ...).") String state,
      @Option(names = "--drone", description = "Only packages whose last attempt was on this drone.") String drone,
      @Option(names = "--limit", defaultValue = "100", description = "At most this many (default ${DEFAULT-VALUE}, max 1000).") int limit,
      @Option(names = "--cursor", defaultValue = "0", description = "Go on from a cursor a previous page printed.") long cursor) {
    ListPackagesReply reply =
        SwarmCli.call(
            spec,
            admin ->
                admin.listPackages(
                    ListPackagesRequest.newBuilder()
                        .setState(state == null ? "" : state)
                        .setDrone(drone == null ? "" : drone)
                        .setLimit(limit)
                        .setCursor(cursor)
                        .build()));
    if (SwarmCli.json(spec)) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (PackageSummary p : reply.getPackagesList()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", p.getId());
        row.put("atom", p.getAtom());
        row.put("state", p.getState());
        row.put("attempt", p.getAttempt());
        row.put("drone", p.getDrone());
        row.put("reason", p.getReason());
        row.put("updated_ms", p.getUpdatedMs());
        rows.add(row);
      }
      SwarmCli.printJson(spec, Map.of("packages", rows, "next_cursor", reply.getNextCursor()));
      return 0;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%-8s %-10s %-7s %-16s %s%n", "ID", "STATE", "ATTEMPT", "DRONE", "ATOM");
    for (PackageSummary p : reply.getPackagesList()) {
      out.printf(
          "%-8s %-10s %-7d %-16s %s%s%n",
          p.getId(), p.getState(), p.getAttempt(), p.getDrone().isEmpty() ? "-" : p.getDrone(), p.getAtom(),
          p.getReason().isEmpty() ? "" : "  (" + firstLine(p.getReason()) + ")");
    }
    if (reply.getNextCursor() != 0) {
      out.printf("more: swarm queue list --cursor %d%s%s%n", reply.getNextCursor(),
          state == null ? "" : " --state " + state, drone == null ? "" : " --drone " + drone);
    }
    return 0;
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl) + " ...";
  }

  @Command(name = "show", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue show =sys-libs/glibc-2.38-r10"}, description = "One package: state, attempts, transitions, last failure, log tail.")
  int show(@Parameters(paramLabel = "ATOM|ID") String which) {
    ShowPackageReply reply = SwarmCli.call(spec, admin -> admin.showPackage(PackageRequest.newBuilder().setPackage(which).build()));
    Map<String, String> r = reply.getRecordMap();
    if (SwarmCli.json(spec)) {
      List<Map<String, String>> transitions = new ArrayList<>();
      reply.getTransitionsList().forEach(e -> {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("cursor", e.getId());
        t.putAll(new TreeMap<>(e.getFieldsMap()));
        transitions.add(t);
      });
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("record", new TreeMap<>(r));
      out.put("transitions", transitions);
      out.put("log_tail", reply.getLogTailList());
      SwarmCli.printJson(spec, out);
      return 0;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%s  (package %s)%n", r.get("atom"), r.get("id"));
    out.printf("state:    %s%s%n", r.get("state"), r.getOrDefault("reason", "").isEmpty() ? "" : ": " + r.get("reason"));
    out.printf("attempts: %s (failures %s, lost with a drone %s)%n", r.getOrDefault("attempt", "0"),
        r.getOrDefault("failures", "0"), r.getOrDefault("losses", "0"));
    if (!r.getOrDefault("drone", "").isEmpty()) {
      out.printf("drone:    %s%n", r.get("drone"));
    }
    if (!r.getOrDefault("last_reason", "").isEmpty()) {
      out.printf("last failure: %s: %s%n", r.getOrDefault("last_class", "?"), r.get("last_reason"));
    }
    out.println("transitions:");
    for (Event e : reply.getTransitionsList()) {
      Map<String, String> f = e.getFieldsMap();
      out.printf("  %s  %-16s %s%n", time(f.get("ts")), f.get("type"), details(f));
    }
    List<String[]> artifacts = ArtifactsCommand.parse(r.getOrDefault("artifacts", ""));
    if (!artifacts.isEmpty()) {
      out.println("binary packages:");
      ArtifactsCommand.print(artifacts, out);
    }
    if (!reply.getLogTailList().isEmpty()) {
      out.println("log tail:");
      reply.getLogTailList().forEach(line -> out.println("  " + line));
    }
    return 0;
  }

  static String time(String epochMs) {
    try {
      return java.time.Instant.ofEpochMilli(Long.parseLong(epochMs)).toString();
    } catch (NumberFormatException | NullPointerException e) {
      return String.valueOf(epochMs);
    }
  }

  /** The fields of an event other than its type, time and package, as key=value. */
  static String details(Map<String, String> fields) {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(fields).forEach((k, v) -> {
      if (!k.equals("type") && !k.equals("ts")) {
        text.append(k).append('=').append(v).append(' ');
      }
    });
    return text.toString().strip();
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue rm 1234"}, description = "Forget an ended package (done, failed or cancelled).")
  int rm(@Parameters(paramLabel = "ATOM|ID") String which) {
    return packageOp(which, admin -> admin.remove(PackageRequest.newBuilder().setPackage(which).build()));
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue cancel =dev-lang/rust-1.75.0 --reason \"wrong version\""}, description = "Cancel a package; a running build is stopped.")
  int cancel(
      @Parameters(paramLabel = "ATOM|ID") String which,
      @Option(names = "--reason", defaultValue = "", description = "Why; kept with the package.") String reason) {
    return packageOp(which, admin -> admin.cancel(PackageRequest.newBuilder().setPackage(which).setReason(reason).build()));
  }

  @Command(name = "retry", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue retry --failed"}, description = "Queue a failed or cancelled package again, attempts reset.")
  int retry(
      @Parameters(paramLabel = "ATOM|ID", arity = "0..1") String which,
      @Option(names = "--failed", description = "Every failed package.") boolean failed) {
    if ((which == null) == !failed) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give either a package (ATOM|ID) or --failed");
    }
    if (which != null) {
      return packageOp(which, admin -> admin.retry(PackageRequest.newBuilder().setPackage(which).build()));
    }
    int retried = 0;
    long cursor = 0;
    do {
      long from = cursor;
      ListPackagesReply page = SwarmCli.call(spec, admin -> admin.listPackages(
          ListPackagesRequest.newBuilder().setState("failed").setLimit(1000).setCursor(from).build()));
      for (PackageSummary p : page.getPackagesList()) {
        SwarmCli.call(spec, admin -> admin.retry(PackageRequest.newBuilder().setPackage(p.getId()).build()));
        retried++;
      }
      cursor = page.getNextCursor();
    } while (cursor != 0);
    if (SwarmCli.json(spec)) {
      SwarmCli.printJson(spec, Map.of("retried", retried));
    } else {
      spec.commandLine().getOut().printf("%d failed packages queued again%n", retried);
    }
    return 0;
  }

  @Command(name = "clear", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue clear --state done"}, description = "Forget every ended package of a state.")
  int clear(@Option(names = "--state", defaultValue = "done", description = "done, failed or cancelled (default ${DEFAULT-VALUE}).") String state) {
    ClearReply reply = SwarmCli.call(spec, admin -> admin.clear(ClearRequest.newBuilder().setState(state).build()));
    if (SwarmCli.json(spec)) {
      SwarmCli.printJson(spec, Map.of("removed", reply.getRemoved(), "state", state));
    } else {
      spec.commandLine().getOut().printf("%d %s packages forgotten%n", reply.getRemoved(), state);
    }
    return 0;
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue pause"}, description = "Hand out nothing until resumed; running builds go on.")
  int pause() {
    return paused(SwarmCli.call(spec, admin -> admin.pause(PauseRequest.getDefaultInstance())), "paused");
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, footer = {"", "Example:", "  swarm queue resume"}, description = "Hand out work again.")
  int resume() {
    return paused(SwarmCli.call(spec, admin -> admin.resume(PauseRequest.getDefaultInstance())), "resumed");
  }

  private int paused(PauseReply reply, String what) {
    if (SwarmCli.json(spec)) {
      SwarmCli.printJson(spec, Map.of("changed", reply.getChanged(), "queue", what));
    } else {
      spec.commandLine().getOut().printf("queue %s%s%n", what, reply.getChanged() ? "" : " (it already was)");
    }
    return 0;
  }

  private int packageOp(String which, java.util.function.Function<AdminServiceGrpc.AdminServiceBlockingStub, PackageReply> op) {
    PackageReply reply = SwarmCli.call(spec, op);
    if (SwarmCli.json(spec)) {
      SwarmCli.printJson(spec, Map.of("package_id", reply.getPackageId(), "outcome", reply.getOutcome()));
    } else {
      spec.commandLine().getOut().printf("package %s (%s): %s%n", reply.getPackageId(), which, reply.getOutcome());
    }
    return 0;
  }
}

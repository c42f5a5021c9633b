package dev.buildswarm.coordinator.cli;

import dev.buildswarm.proto.v1.PackageRequest;
import dev.buildswarm.proto.v1.ShowPackageReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code swarm artifacts ATOM|ID}: the binary packages a package's build stored in the binhost. */
@Command(
    name = "artifacts",
    footer = {"", "Example:", "  swarm artifacts =sys-libs/glibc-2.38-r10"},
    mixinStandardHelpOptions = true,
    description = "List the binary packages stored for a package: name under the binhost, size, sha256.")
final class ArtifactsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "ATOM|ID")
  String which;

  @Override
  public Integer call() {
    ShowPackageReply reply = SwarmCli.call(spec, admin -> admin.showPackage(PackageRequest.newBuilder().setPackage(which).build()));
    List<String[]> files = parse(reply.getRecordMap().getOrDefault("artifacts", ""));
    if (SwarmCli.json(spec)) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (String[] f : files) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", f[0]);
        row.put("size", Long.parseLong(f[1]));
        row.put("sha256", f[2]);
        rows.add(row);
      }
      SwarmCli.printJson(spec, Map.of("package_id", reply.getRecordMap().getOrDefault("id", ""), "artifacts", rows));
      return 0;
    }
    print(files, spec.commandLine().getOut());
    return 0;
  }

  /** The record's {@code artifacts} field: one "name size sha256" line per file. */
  static List<String[]> parse(String field) {
    List<String[]> out = new ArrayList<>();
    for (String line : field.split("\n")) {
      String[] parts = line.strip().split(" ");
      if (parts.length == 3) {
        out.add(parts);
      }
    }
    return out;
  }

  static void print(List<String[]> files, java.io.PrintWriter out) {
    if (files.isEmpty()) {
      out.println("no binary packages stored");
    }
    for (String[] f : files) {
      out.printf("%-60s %12s  %s%n", f[0], f[1], f[2]);
    }
  }
}

package dev.buildswarm.bench;

import dev.buildswarm.coordinator.domain.EmergeLog;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.runner.BuildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makespan of a real workload: every package version completed in a Portage emerge.log, queued at
 * once with its real build time (the mean of its logged builds) scaled by SCALE, built by
 * examples/fake-emerge on eight drones of different speeds, each with one slot. A drone's speed is
 * {@code cores × speed factor / 8} (the reference machine, where the log was written, is speed 1);
 * it builds a package in {@code seconds × SCALE / speed} ({@code FAKE_EMERGE_SCALE} per drone).
 *
 * <p>Modes: {@code scheduler} imports the same log into history first ({@code swarm history
 * import}, through the service layer), so the claim orders by expected time; {@code fifo} does not,
 * so every package has the default expected time and the claim falls back to queue order (the
 * order of the log). The lower bound is the larger of total work over total speed and the longest
 * build on the fastest drone.
 *
 * <p>Usage: {@code java -cp bench-all.jar dev.buildswarm.bench.Makespan REDIS_URL EMERGE_LOG
 * FAKE_EMERGE SCALE scheduler|fifo [NAME:CORES:FACTOR,...]}
 */
public final class Makespan {
  /** Eight drones, speeds 3, 2, 1.5, 1, 1, 0.75, 0.5, 0.25 (sum 10). */
  private static final String DEFAULT_DRONES = "a:24:1.0,b:16:1.0,c:8:1.5,d:8:1.0,e:4:2.0,f:6:1.0,g:4:1.0,h:2:1.0";

  private Makespan() {}

  private record Drone(String name, int cores, double factor) {
    double speed() {
      return cores * factor / 8.0;
    }
  }

  public static void main(String[] args) throws Exception {
    String redisUrl = args[0];
    Path log = Path.of(args[1]);
    String fakeEmerge = Path.of(args[2]).toAbsolutePath().toString();
    double scale = Double.parseDouble(args[3]);
    String mode = args[4];
    if (!mode.equals("scheduler") && !mode.equals("fifo")) {
      throw new IllegalArgumentException("mode must be scheduler or fifo, got " + mode);
    }
    List<Drone> drones = new ArrayList<>();
    for (String spec : (args.length > 5 ? args[5] : DEFAULT_DRONES).split(",")) {
      String[] f = spec.split(":");
      drones.add(new Drone(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2])));
    }

    String text = Files.readString(log);
    // Mean logged seconds per package version, in the order the log first completed each.
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (EmergeLog.Build build : EmergeLog.read(text).builds()) {
      double[] s = sums.computeIfAbsent(build.cpv(), k -> new double[2]);
      s[0] += build.duration().toMillis() / 1000.0;
      s[1]++;
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    sums.forEach((cpv, s) -> seconds.put(cpv, s[0] / s[1]));

    Path work = Files.createTempDirectory("makespan-bench");
    StringBuilder table = new StringBuilder();
    seconds.forEach((cpv, s) -> table.append(cpv).append(' ').append(String.format(Locale.ROOT, "%.3f", s)).append('\n'));
    Path tableFile = work.resolve("durations.table");
    Files.writeString(tableFile, table);

    double total = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    double longest = seconds.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double speedSum = drones.stream().mapToDouble(Drone::speed).sum();
    double fastest = drones.stream().mapToDouble(Drone::speed).max().orElse(1);
    double boundWork = total * scale / speedSum;
    double boundLongest = longest * scale / fastest;
    double bound = Math.max(boundWork, boundLongest);

    try (BenchSwarm swarm = new BenchSwarm(redisUrl, "makespan-" + System.nanoTime(), work)) {
      SwarmService service = swarm.service();
      if (mode.equals("scheduler")) {
        service.importEmergeLog(text);
      }
      for (Drone d : drones) {
        Map<String, String> env =
            Map.of(
                "FAKE_EMERGE_TABLE", tableFile.toString(),
                "FAKE_EMERGE_SCALE", String.format(Locale.ROOT, "%.6f", scale / d.speed()));
        swarm.drone(d.name(), d.cores(), d.factor(), List.of(fakeEmerge, "--oneshot", "{atom}"), env, BuildProcess.Watcher.NONE);
      }
      List<String> atoms = seconds.keySet().stream().map(cpv -> "=" + cpv).toList();
      long t0 = System.currentTimeMillis();
      service.enqueue(atoms, 0);
      swarm.awaitIdle(Duration.ofHours(2));

      // Per drone: its builds in order, from the events (coordinator clock, ms).
      Map<String, List<String[]>> byDrone = new TreeMap<>();
      Map<String, Long> claimedAt = new HashMap<>();
      long lastDone = t0;
      int failed = 0;
      String cursor = "";
      while (true) {
        List<SwarmEvent> page = service.events(cursor, 5_000);
        if (page.isEmpty()) {
          break;
        }
        for (SwarmEvent e : page) {
          Map<String, String> f = e.fields();
          String type = f.getOrDefault("type", "");
          if (type.equals("claimed")) {
            claimedAt.put(f.get("id"), Long.parseLong(f.get("ts")));
          } else if (type.equals("done")) {
            long ts = Long.parseLong(f.get("ts"));
            lastDone = Math.max(lastDone, ts);
            byDrone.computeIfAbsent(f.get("drone"), k -> new ArrayList<>())
                .add(new String[] {f.get("atom"), String.valueOf(claimedAt.getOrDefault(f.get("id"), t0)), String.valueOf(ts)});
          } else if (type.equals("failed")) {
            failed++;
          }
        }
        cursor = page.get(page.size() - 1).id();
      }
      double makespan = (lastDone - t0) / 1000.0;
      System.out.printf(
          Locale.ROOT,
          "makespan log=%s mode=%s packages=%d scale=%s drones=%d speeds=%s failed=%d%n",
          log.getFileName(), mode, seconds.size(), args[3], drones.size(),
          drones.stream().map(d -> String.format(Locale.ROOT, "%.2f", d.speed())).toList(), failed);
      System.out.printf(
          Locale.ROOT,
          "  work/speed=%.1fs longest-on-fastest=%.1fs bound=%.1fs makespan=%.1fs ratio=%.3f%n",
          boundWork, boundLongest, bound, makespan, makespan / bound);
      for (Drone d : drones) {
        List<String[]> builds = byDrone.getOrDefault(d.name(), List.of());
        double nominal = 0;
        long lastEnd = t0;
        StringBuilder longOnes = new StringBuilder();
        for (String[] b : builds) {
          double s = seconds.getOrDefault(b[0].substring(1), 0.0);
          nominal += s * scale / d.speed();
          lastEnd = Math.max(lastEnd, Long.parseLong(b[2]));
          if (s * scale / d.speed() > bound / 4) {
            longOnes.append(String.format(Locale.ROOT, " %s(%.0fs, at %.1fs)", b[0], s * scale / d.speed(), (Long.parseLong(b[1]) - t0) / 1000.0));
          }
        }
        System.out.printf(
            Locale.ROOT,
            "  drone %s speed=%.2f builds=%d nominal_busy=%.1fs last_done=%.1fs%s%n",
            d.name(), d.speed(), builds.size(), nominal, (lastEnd - t0) / 1000.0, longOnes);
      }
    }
  }
}

package dev.buildswarm.bench;

import dev.buildswarm.drone.runner.BuildProcess;
import dev.buildswarm.drone.worker.DroneAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Dispatch latency on loopback: how long from "there is work and a free slot" until the build
 * process runs, through a real coordinator, gRPC, Redis and {@code DroneAgent}s.
 *
 * <p>The builder is a bash script whose first statement takes {@code $EPOCHREALTIME} (wall clock,
 * µs; the same clock as {@link Instant#now()} in this JVM, so the two can be subtracted), so
 * "started" includes the fork and exec of {@code setsid} and the builder and bash's start-up, as a
 * real build's would. It also notes the moment just before it exits.
 *
 * <ul>
 *   <li><b>idle</b>: the swarm's drones are all idle; one package is queued through the service
 *       layer (the enqueue script, then the dispatcher's claim, the assignment over gRPC, the
 *       drone's spawn). Measured from just before the enqueue call to the builder's first line.
 *   <li><b>slot</b>: one drone with one slot and a queue of packages; from the moment a build's
 *       process is about to exit to the next build's first line (the drone noticing the exit, the
 *       verdict over gRPC, complete.lua claiming the next package in the same step, the assignment,
 *       the spawn).
 * </ul>
 *
 * <p>For each it also splits the time at the moment {@code ProcessBuilder.start()} returned in the
 * drone ("to spawn", then "exec to first line"). With PKGDIR_FILES, each drone's PKGDIR holds that
 * many binary packages in 100 category folders before the rounds, as a drone that has built for a
 * while does. Usage: {@code java -cp bench-all.jar dev.buildswarm.bench.DispatchLatency REDIS_URL
 * [ROUNDS] [DRONES] [PKGDIR_FILES] [WARMUP] [BUILD_MS]}: both scenarios first run WARMUP untimed
 * rounds (by default ROUNDS/2; {@code bench/run-dispatch-bench} gives 3,000, so that the JIT has
 * compiled the path, as in a drone and coordinator that have run for a while). BUILD_MS, {@code N}
 * or {@code MIN-MAX}: each build lasts that long (a random whole number of ms in the range) after
 * its first line; 0, the default, ends it at once, so that with several drones every slot frees
 * every few ms and the slot scenario measures two saturated cores more than a dispatch.
 *
 * <p>The benchmark waits for each round's builds through the drones' {@link BuildProcess.Watcher}
 * (told when a build's process is done), not by asking the coordinator: a status call is several
 * Redis round trips and would run beside the very dispatch being measured.
 */
public final class DispatchLatency {
  private static final String BUILDER =
      """
      #!/bin/bash
      s=$EPOCHREALTIME
      if (( ${BUILD_MS_MAX:-0} > 0 )); then
        ms=$(( BUILD_MS_MIN + RANDOM % (BUILD_MS_MAX - BUILD_MS_MIN + 1) ))
        sleep "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
      fi
      printf '%s %s %s %s %s\\n' "$DRONE_NAME" "$BUILDSWARM_PACKAGE_ID" "$$" "${s/./}" "${EPOCHREALTIME/./}" >> "$STAMPS"
      """;

  /** Categories of the binary packages put into each PKGDIR (app-misc, the benchmark's, among them). */
  private static final int CATEGORIES = 100;

  private DispatchLatency() {}

  /** One builder run: which drone, which package, its pid, first line and exit (µs since epoch). */
  private record Stamp(String drone, String packageId, long pid, long startUs, long endUs) {}

  public static void main(String[] args) throws Exception {
    String redisUrl = args[0];
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int droneCount = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int pkgdirFiles = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : rounds / 2;
    String[] buildMs = (args.length > 5 ? args[5] : "0").split("-", 2);
    Path work = Files.createTempDirectory("dispatch-bench");
    Path stamps = work.resolve("stamps");
    Files.createFile(stamps);
    Map<Long, Long> spawnedUs = new ConcurrentHashMap<>();
    Semaphore buildsEnded = new Semaphore(0);
    BuildProcess.Watcher watcher =
        new BuildProcess.Watcher() {
          @Override
          public void started(ProcessHandle build) {
            spawnedUs.put(build.pid(), micros(Instant.now()));
          }

          @Override
          public void ended(ProcessHandle build) {
            buildsEnded.release();
          }
        };
    System.out.printf("load average at start: %s%n", loadAverage());
    try (BenchSwarm swarm = new BenchSwarm(redisUrl, "dispatch-" + System.nanoTime(), work)) {
      Path builder = swarm.script("stamp-builder", BUILDER);
      for (int d = 0; d < droneCount; d++) {
        String name = "d" + d;
        DroneAgent drone =
            swarm.drone(name, 4, 1.0, List.of(builder.toString(), "{atom}"),
                Map.of(
                    "DRONE_NAME", name, "STAMPS", stamps.toString(),
                    "BUILD_MS_MIN", buildMs[0], "BUILD_MS_MAX", buildMs[buildMs.length - 1]),
                watcher);
        fillPkgdir(drone.config().pkgDir(), pkgdirFiles);
      }
      // Warm-up (JIT, connections, script cache), then measured rounds.
      idleRounds(swarm, buildsEnded, "warm", warmup);
      slotRounds(swarm, buildsEnded, "warmslot", warmup);
      Files.writeString(stamps, "");
      Map<String, Long> queuedUs = idleRounds(swarm, buildsEnded, "idle", rounds);
      List<Stamp> idle = read(stamps);
      Files.writeString(stamps, "");
      slotRounds(swarm, buildsEnded, "slot", rounds);
      List<Stamp> slot = read(stamps);

      List<Long> idleTotal = new ArrayList<>();
      List<Long> idleToSpawn = new ArrayList<>();
      List<Long> idleExec = new ArrayList<>();
      for (Stamp s : idle) {
        long queued = queuedUs.get(s.packageId());
        idleTotal.add(s.startUs() - queued);
        Long spawned = spawnedUs.get(s.pid());
        if (spawned != null) {
          idleToSpawn.add(spawned - queued);
          idleExec.add(s.startUs() - spawned);
        }
      }
      List<Long> slotTotal = new ArrayList<>();
      List<Long> slotToSpawn = new ArrayList<>();
      List<Long> slotExec = new ArrayList<>();
      Map<String, List<Stamp>> byDrone = new HashMap<>();
      slot.forEach(s -> byDrone.computeIfAbsent(s.drone(), k -> new ArrayList<>()).add(s));
      for (List<Stamp> runs : byDrone.values()) {
        runs.sort(Comparator.comparingLong(Stamp::startUs));
        for (int i = 1; i < runs.size(); i++) {
          long freed = runs.get(i - 1).endUs();
          Stamp next = runs.get(i);
          slotTotal.add(next.startUs() - freed);
          Long spawned = spawnedUs.get(next.pid());
          if (spawned != null) {
            slotToSpawn.add(spawned - freed);
            slotExec.add(next.startUs() - spawned);
          }
        }
      }
      System.out.printf(
          "dispatch drones=%d rounds=%d warm-up=%d pkgdir-files=%d build-ms=%s (µs); load average now: %s%n",
          droneCount, rounds, warmup, pkgdirFiles, String.join("-", buildMs), loadAverage());
      print("idle: queued -> builder's first line", idleTotal);
      print("idle:   queued -> spawn returned", idleToSpawn);
      print("idle:   spawn returned -> first line", idleExec);
      print("slot: build exits -> next builder's first line", slotTotal);
      print("slot:   build exits -> spawn returned", slotToSpawn);
      print("slot:   spawn returned -> first line", slotExec);
      print("floor: bare spawn of the builder -> first line", bareSpawns(builder, work, rounds));
    }
  }

  /**
   * Queues one package at a time into an idle swarm; returns when each was queued (µs). Waits for
   * each build's process to be done through the watcher, so nothing of the benchmark's own asks the
   * coordinator anything while a package is being dispatched.
   */
  private static Map<String, Long> idleRounds(BenchSwarm swarm, Semaphore buildsEnded, String prefix, int rounds)
      throws InterruptedException {
    Map<String, Long> queuedUs = new HashMap<>();
    for (int i = 0; i < rounds; i++) {
      swarm.awaitIdle(Duration.ofSeconds(30));
      // The drone's verdict is stored; let its acknowledgement and the idle session settle, and
      // do not fall into step with the heartbeat.
      Thread.sleep(5 + ThreadLocalRandom.current().nextInt(20));
      String atom = "=app-misc/" + prefix + i + "-1.0";
      long before = micros(Instant.now());
      String id = swarm.service().enqueue(List.of(atom), 0).get(0).packageId();
      queuedUs.put(id, before);
      awaitBuilds(buildsEnded, 1, Duration.ofSeconds(30));
    }
    swarm.awaitIdle(Duration.ofSeconds(30));
    return queuedUs;
  }

  /** Queues {@code rounds} packages at once, so each drone goes from one build straight to the next. */
  private static void slotRounds(BenchSwarm swarm, Semaphore buildsEnded, String prefix, int rounds)
      throws InterruptedException {
    swarm.awaitIdle(Duration.ofSeconds(30));
    List<String> atoms = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      atoms.add("=app-misc/" + prefix + i + "-1.0");
    }
    swarm.service().enqueue(atoms, 0);
    awaitBuilds(buildsEnded, rounds, Duration.ofMinutes(5));
    swarm.awaitIdle(Duration.ofSeconds(30));
  }

  private static void awaitBuilds(Semaphore buildsEnded, int builds, Duration limit) throws InterruptedException {
    if (!buildsEnded.tryAcquire(builds, limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(builds + " builds did not end within " + limit);
    }
  }

  /**
   * Puts {@code files} small binary packages into {@code pkgdir}, spread over {@link #CATEGORIES}
   * category folders (app-misc among them), as a drone that keeps what it built has.
   */
  private static void fillPkgdir(Path pkgdir, int files) throws java.io.IOException {
    for (int i = 0; i < files; i++) {
      int c = i % CATEGORIES;
      Path category = Files.createDirectories(pkgdir.resolve(c == 0 ? "app-misc" : String.format("cat-%02d", c)));
      Files.writeString(category.resolve("kept" + i + "-1.0.gpkg.tar"), "binary package " + i);
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /**
   * The machine's floor: the same builder started straight from this JVM through {@code setsid}, as
   * the drone starts it, with no swarm in between; from just before {@code ProcessBuilder.start()}
   * to the builder's first line.
   */
  private static List<Long> bareSpawns(Path builder, Path work, int rounds) throws Exception {
    Path stamps = work.resolve("bare-stamps");
    Files.writeString(stamps, "");
    Map<String, Long> before = new HashMap<>();
    for (int i = 0; i < rounds; i++) {
      String id = "bare" + i;
      ProcessBuilder spawn = new ProcessBuilder("setsid", "--", builder.toString(), "=app-misc/bare-1.0");
      spawn.environment().putAll(Map.of("DRONE_NAME", "bare", "STAMPS", stamps.toString(), "BUILDSWARM_PACKAGE_ID", id));
      spawn.redirectErrorStream(true);
      before.put(id, micros(Instant.now()));
      Process p = spawn.start();
      p.getInputStream().readAllBytes();
      p.waitFor();
      Thread.sleep(5 + ThreadLocalRandom.current().nextInt(20));
    }
    List<Long> took = new ArrayList<>();
    for (Stamp s : read(stamps)) {
      took.add(s.startUs() - before.get(s.packageId()));
    }
    return took;
  }

  private static List<Stamp> read(Path stamps) throws java.io.IOException {
    List<Stamp> all = new ArrayList<>();
    for (String line : Files.readAllLines(stamps)) {
      String[] f = line.trim().split(" ");
      if (f.length == 5) {
        all.add(new Stamp(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])));
      }
    }
    return all;
  }

  static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }

  private static void print(String what, List<Long> values) {
    long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
    if (v.length == 0) {
      System.out.printf("  %-48s n=0%n", what);
      return;
    }
    System.out.printf(
        "  %-48s n=%d p50=%d p90=%d p99=%d max=%d mean=%.0f%n",
        what, v.length, pct(v, 50), pct(v, 90), pct(v, 99), v[v.length - 1], Arrays.stream(v).average().orElse(0));
  }

  static long pct(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}

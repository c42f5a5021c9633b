package dev.buildswarm.bench;

import java.nio.file.Path;

/**
 * Packages per second from {@code swarm queue import} to {@code done}, through a running
 * coordinator (its own process), gRPC and Redis, with simulated drones that build nothing
 * ({@link SimulatedDrones}: the real protocol, tokens, sessions, heartbeats). Times one import of
 * PACKAGES atoms through the CLI's code until the coordinator's status counts them all done, after
 * an untimed round of WARMUP packages (default PACKAGES/2, at least 5,000) that warms both JITs. Status is asked (every
 * 20 ms) once the drones hold an acknowledgement (verdict stored) for every package of the round:
 * asking all along, 50 times a second, read every drone's bucket each time and cost the
 * coordinator and Redis more than some steps of the path measured.
 * Prints {@code e2e drones=D slots=S packages=N import_seconds=I seconds=T per_second=R}.
 *
 * <p>Usage: {@code java -cp bench-all.jar dev.buildswarm.bench.EndToEndBenchmark GRPC_ADDRESS
 * DRONE_TOKEN_FILE OPERATOR_TOKEN_FILE DRONES SLOTS_PER_DRONE PACKAGES [WARMUP]}
 */
public final class EndToEndBenchmark {
  private EndToEndBenchmark() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    String droneToken = Admin.token(Path.of(args[1]));
    int drones = Integer.parseInt(args[3]);
    int slots = Integer.parseInt(args[4]);
    int packages = Integer.parseInt(args[5]);
    int warmup = args.length > 6 ? Integer.parseInt(args[6]) : Math.max(5_000, packages / 2);
    try (Admin admin = new Admin(target, Path.of(args[2]));
        SimulatedDrones swarm = new SimulatedDrones(target, droneToken, "e2e", drones, slots, 0, 0)) {
      if (!swarm.awaitRegistered(60)) {
        throw new IllegalStateException("drones did not all register within 60 s");
      }
      round(admin, swarm, "warm" + System.nanoTime() % 100_000 + "x", warmup);
      double cpu0 = ownCpuSeconds();
      double[] timed = round(admin, swarm, "p" + System.nanoTime() % 100_000 + "x", packages);
      System.out.printf(
          "e2e drones=%d slots=%d packages=%d import_seconds=%.3f seconds=%.3f drones_jvm_cpu_seconds=%.2f per_second=%.0f"
              + " session_errors=%d%n",
          drones, slots, packages, timed[0], timed[1], ownCpuSeconds() - cpu0, packages / timed[1], swarm.errors.get());
    }
  }

  /** CPU time of this JVM (the simulated drones, the CLI's import and the status polls). */
  private static double ownCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  /** Imports and waits until all are done; returns {import seconds, seconds until all done}. */
  private static double[] round(Admin admin, SimulatedDrones swarm, String name, int packages) throws Exception {
    long doneBefore = admin.count("done");
    long ackedBefore = swarm.acknowledged.get();
    long start = System.nanoTime();
    admin.importAtoms(name, packages);
    double imported = (System.nanoTime() - start) / 1e9;
    while (swarm.acknowledged.get() < ackedBefore + packages && System.nanoTime() - start < 600e9) {
      Thread.sleep(1);
    }
    while (admin.count("done") < doneBefore + packages) {
      if (System.nanoTime() - start > 600e9) {
        throw new IllegalStateException("not all done within 10 minutes: " + admin.status());
      }
      Thread.sleep(20);
    }
    return new double[] {imported, (System.nanoTime() - start) / 1e9};
  }
}

package dev.buildswarm.coordinator.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DroneVitals;
import dev.buildswarm.coordinator.domain.Fuzz;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.drones.BuildReport;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.BuildFinished;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.FailureClass;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.QueueItem;
import dev.buildswarm.proto.v1.Register;
import io.grpc.Status;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random proto messages, built with the generated builders (empty strings, huge and negative
 * numbers, NaN, invalid atoms, shell syntax), through {@link ProtoMapping} and the service's request
 * check: each gives a valid domain value or an IllegalArgumentException, which the endpoints answer
 * as INVALID_ARGUMENT with its message; never any other exception.
 */
class ProtoMappingFuzzTest {

  private static final String[] ATOMS = {
    "=sys-libs/glibc-2.38-r10", "dev-lang/python:3.12", ">=dev-util/cmake-3.20::gentoo", "~a/b-1-r99999999999",
    "=a/b-1*", "!a/b", "a/b[ssl]", "-a/b", "a/b;id", "$(id)/x", "a/b\n", "", " ", "=a/b-99999999999999999999"
  };
  private static final Pattern DRONE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  @Test
  void randomRegistrationsAreValidDronesOrNamedRefusals() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(3_000);
    for (int i = 0; i < iterations; i++) {
      Register.Builder r =
          Register.newBuilder()
              .setName(text(random))
              .setHost(text(random))
              .setCores(number(random))
              .setSlots(number(random))
              .setSpeedFactor(real(random))
              .setVersion(text(random))
              .setProtocolVersion(number(random));
      int capabilities = random.nextInt(random.nextInt(10) == 0 ? 40 : 4);
      for (int c = 0; c < capabilities; c++) {
        r.putCapabilities(random.nextBoolean() ? "arch" + c : text(random), text(random));
      }
      Register message = r.build();
      DroneRegistration drone = mapped(() -> ProtoMapping.registration(message), message, i);
      if (drone != null) {
        String context = Fuzz.replay(i, message.toString());
        assertTrue(DRONE_NAME.matcher(drone.name()).matches(), drone.name() + context);
        assertTrue(drone.cores() >= 1 && drone.cores() <= 4096, context);
        assertTrue(drone.slots() >= 1 && drone.slots() <= DroneRegistration.MAX_SLOTS, context);
        assertTrue(drone.speedFactor() > 0 && drone.speedFactor() < 1000, context);
        assertTrue(drone.capabilities().size() <= 32, context);
        drone.capabilities().forEach((k, v) -> assertFalse(v.contains("\n") || v.length() > 256, k + context));
      }
    }
  }

  @Test
  void randomHeartbeatsGiveSaneVitals() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(3_000);
    for (int i = 0; i < iterations; i++) {
      Heartbeat beat =
          Heartbeat.newBuilder()
              .setLoadAverage(real(random))
              .setFreeDiskBytes(large(random))
              .setMemoryAvailableBytes(large(random))
              .build();
      DroneVitals vitals = mapped(() -> ProtoMapping.vitals(beat), beat, i);
      String context = Fuzz.replay(i, beat.toString());
      assertTrue(vitals != null, "vitals are never refused" + context);
      assertTrue(Double.isFinite(vitals.loadAverage()) && vitals.loadAverage() >= -1, vitals + context);
      assertTrue(vitals.freeDiskBytes() >= 0 && vitals.memoryAvailableBytes() >= 0, vitals + context);
    }
  }

  @Test
  void randomBuildReportsAndArtifactsAreValidOrNamedRefusals() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(3_000);
    for (int i = 0; i < iterations; i++) {
      BuildFinished.Builder f =
          BuildFinished.newBuilder()
              .setPackageId(text(random))
              .setToken(large(random))
              .setSuccess(random.nextBoolean())
              .setExitCode(number(random))
              .setDurationMs(large(random))
              .setReason(text(random))
              .setAbandoned(random.nextBoolean())
              .setFailureClassValue(random.nextInt(6) - 1)
              .setSignal(number(random));
      int artifacts = random.nextInt(4);
      for (int a = 0; a < artifacts; a++) {
        f.addArtifacts(
            dev.buildswarm.proto.v1.Artifact.newBuilder()
                .setName(random.nextBoolean() ? "sys-libs/glibc-2.38-1.gpkg.tar" : text(random) + "/" + text(random))
                .setSize(large(random))
                .setSha256(random.nextBoolean() ? "a".repeat(64) : text(random)));
      }
      BuildFinished message = f.build();
      BuildReport report = mapped(() -> ProtoMapping.report(message), message, i);
      String context = Fuzz.replay(i, message.toString());
      assertTrue(report != null && report.failureClass() != null, "a report is never refused" + context);
      assertEquals(message.getArtifactsCount(), report.artifacts(), context);
      if (message.getFailureClass() != FailureClass.TRANSIENT && message.getFailureClass() != FailureClass.DRONE) {
        assertEquals(dev.buildswarm.coordinator.domain.FailureClass.PERMANENT, report.failureClass(), context);
      }
      for (dev.buildswarm.proto.v1.Artifact wire : message.getArtifactsList()) {
        Artifact artifact = mapped(() -> ProtoMapping.artifact(wire), wire, i);
        if (artifact != null) {
          String[] parts = artifact.name().split("/", -1);
          assertEquals(2, parts.length, context);
          assertFalse(parts[0].isEmpty() || parts[0].contains("..") || parts[1].contains(".."), context);
          assertTrue(artifact.size() >= 0 && artifact.size() <= Artifact.MAX_SIZE, context);
        }
      }
    }
  }

  @Test
  void randomEnqueueRequestsQueueOnlyPlainAtomsOrAreRefusedWhole() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(3_000);
    for (int i = 0; i < iterations; i++) {
      EnqueueRequest.Builder request = EnqueueRequest.newBuilder().setPriority(priority(random));
      int atoms = random.nextInt(4);
      for (int a = 0; a < atoms; a++) {
        request.addAtoms(atom(random));
      }
      if (random.nextInt(4) == 0) {
        request.addAfter(atom(random));
      }
      int items = random.nextInt(4);
      for (int n = 0; n < items; n++) {
        QueueItem.Builder item = QueueItem.newBuilder().setAtom(atom(random));
        if (random.nextBoolean()) {
          item.setPriority(priority(random));
        }
        if (random.nextInt(3) == 0) {
          item.addAfter(atom(random));
        }
        request.addItems(item);
      }
      EnqueueRequest message = request.build();
      List<QueuedAtom> checked =
          mapped(() -> SwarmService.checkedRequest(ProtoMapping.enqueueItems(message), message.getPriority()), message, i);
      if (checked != null) {
        String context = Fuzz.replay(i, message.toString());
        assertTrue(Math.abs((long) message.getPriority()) <= SwarmService.MAX_PRIORITY, context);
        for (QueuedAtom q : checked) {
          Fuzz.assertSafeAtom(q.atom().toString(), context);
          q.after().forEach(dep -> Fuzz.assertSafeAtom(dep.toString(), context));
          assertTrue(q.priority() == null || Math.abs((long) q.priority()) <= SwarmService.MAX_PRIORITY, context);
        }
      }
    }
  }

  @Test
  void theLowestPriorityIsRefusedNotTakenForItsAbsoluteValue() {
    // Found by this fuzz test: Math.abs(Integer.MIN_VALUE) is negative, so the range check passed.
    for (Integer own : new Integer[] {null, Integer.MIN_VALUE}) {
      int request = own == null ? Integer.MIN_VALUE : 0;
      var items = List.of(new dev.buildswarm.coordinator.queue.EnqueueItem("=app-misc/a-1", List.of(), own));
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> SwarmService.checkedRequest(items, request));
      assertTrue(e.getMessage().contains("priority -2147483648"), e.getMessage());
    }
  }

  /** The mapping's value, or null when it refused the input the way the endpoints turn into INVALID_ARGUMENT. */
  private static <T> T mapped(Supplier<T> mapping, Object input, int iteration) {
    String context = Fuzz.replay(iteration, String.valueOf(input));
    try {
      return mapping.get();
    } catch (IllegalArgumentException refused) {
      Status status = GrpcErrors.toStatus(refused).getStatus();
      assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), context);
      assertTrue(status.getDescription() != null && !status.getDescription().isBlank(), "the refusal says why" + context);
      return null;
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("the mapping crashed" + context, crash);
    }
  }

  private static String text(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> "";
      case 1 -> "drone-" + random.nextInt(100);
      case 2 -> "x".repeat(random.nextInt(100_000));
      case 3 -> ATOMS[random.nextInt(ATOMS.length)];
      case 4 -> "../" + Fuzz.garbage(random, 10);
      default -> Fuzz.garbage(random, 40);
    };
  }

  private static String atom(Random random) {
    return random.nextInt(3) == 0 ? text(random) : ATOMS[random.nextInt(ATOMS.length)];
  }

  private static int number(Random random) {
    int[] edges = {0, 1, -1, 2, 8, 256, 257, 4096, 4097, Integer.MAX_VALUE, Integer.MIN_VALUE};
    return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextInt();
  }

  private static int priority(Random random) {
    int[] edges = {0, 1, -1, SwarmService.MAX_PRIORITY, -SwarmService.MAX_PRIORITY, SwarmService.MAX_PRIORITY + 1,
      Integer.MAX_VALUE, Integer.MIN_VALUE};
    return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextInt();
  }

  private static long large(Random random) {
    long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Artifact.MAX_SIZE, Artifact.MAX_SIZE + 1};
    return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
  }

  private static double real(Random random) {
    double[] edges = {0, -0.0, 1, -1, 0.5, 999.9, 1000, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE};
    return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextGaussian() * 100;
  }
}

package dev.buildswarm.bench;

import dev.buildswarm.proto.v1.BuildFinished;
import dev.buildswarm.proto.v1.BuildStarted;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.proto.v1.RunningBuild;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Many drones in one JVM, each speaking the real drone protocol on its own channel (its own TCP
 * connection) and its own {@code DroneService.Session} stream with the drone token: {@code
 * Register}, heartbeats at the interval {@code Registered} asks for (listing the builds it runs,
 * so their leases are renewed), and for each {@code Assignment} a {@code BuildStarted} and, after
 * the build time ({@code 0}: at once), a {@code BuildFinished} success. What is simulated is the
 * build (no process, no log, no binary package upload) and the host (fixed vitals); the protocol,
 * the token, the sessions and everything the coordinator does are real.
 *
 * <p>Also measures the claim latency a drone sees: from sending a {@code BuildFinished} to the
 * next {@code Assignment} for the slot it freed. Thread-safe.
 */
final class SimulatedDrones implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final List<Drone> drones = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
  private final CountDownLatch registered;
  private final long minBuildMs;
  private final long maxBuildMs;
  final AtomicLong finished = new AtomicLong();
  /** Verdicts the coordinator acknowledged (stored). */
  final AtomicLong acknowledged = new AtomicLong();
  final AtomicLong heartbeats = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  /** Claim latencies in µs, recorded while {@link #recording} is on. */
  final Latencies claimLatency = new Latencies();
  volatile boolean recording;
  private volatile boolean closing;
  /** Told of each package whose success was sent, with the time sent (ms), if set. */
  volatile BiConsumer<String, Long> onFinished;

  /**
   * Connects {@code count} drones named {@code prefix-N}, each with {@code slots} slots, whose
   * builds take a uniformly random time in [minBuildMs, maxBuildMs].
   */
  SimulatedDrones(String target, String token, String prefix, int count, int slots, long minBuildMs, long maxBuildMs) {
    this.minBuildMs = minBuildMs;
    this.maxBuildMs = maxBuildMs;
    this.registered = new CountDownLatch(count);
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    for (int i = 0; i < count; i++) {
      // One channel per drone, as real drones have: the coordinator serves `count` connections.
      ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor().build();
      channels.add(channel);
      Drone drone = new Drone(prefix + "-" + i, slots);
      drones.add(drone);
      DroneServiceGrpc.DroneServiceStub stub =
          DroneServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      drone.out = stub.session(drone);
      drone.send(
          DroneMessage.newBuilder()
              .setRegister(
                  Register.newBuilder()
                      .setName(drone.name)
                      .setHost("bench")
                      .setCores(slots)
                      .setSlots(slots)
                      .setSpeedFactor(1.0)
                      .setVersion("bench")
                      .setProtocolVersion(1)
                      .setReadsAcknowledges(true)
                      .putCapabilities("arch", "amd64"))
              .build());
    }
  }

  /** Waits until every drone is registered; false on timeout. */
  boolean awaitRegistered(long seconds) throws InterruptedException {
    return registered.await(seconds, TimeUnit.SECONDS);
  }

  /** Records claim latencies from now on, forgetting slots freed before (they may have waited on an empty queue). */
  void startRecording() {
    for (Drone d : drones) {
      synchronized (d) {
        d.freed.clear();
      }
    }
    claimLatency.clear();
    recording = true;
  }

  long running() {
    return drones.stream().mapToLong(d -> d.running.size()).sum();
  }

  @Override
  public void close() {
    closing = true;
    timers.shutdownNow();
    for (Drone d : drones) {
      d.end();
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** One drone: its stream's both halves. Sends are serialised on the drone. */
  private final class Drone implements StreamObserver<CoordinatorMessage> {
    final String name;
    final int slots;
    StreamObserver<DroneMessage> out;
    final Map<String, Long> running = new ConcurrentHashMap<>();
    /** Send times (ns) of verdicts whose slot awaits its next assignment. */
    final java.util.ArrayDeque<Long> freed = new java.util.ArrayDeque<>();
    boolean ended; // guarded by this

    Drone(String name, int slots) {
      this.name = name;
      this.slots = slots;
    }

    synchronized void send(DroneMessage message) {
      if (!ended) {
        out.onNext(message);
      }
    }

    synchronized void end() {
      if (!ended) {
        ended = true;
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // The channel went first.
        }
      }
    }

    @Override
    public void onNext(CoordinatorMessage message) {
      if (message.hasAcknowledges()) {
        acknowledged.incrementAndGet();
      }
      switch (message.getBodyCase()) {
        case REGISTERED -> {
          long every = Math.max(100, message.getRegistered().getHeartbeatIntervalMs());
          // Spread over the interval, as drones started at different times are.
          timers.scheduleAtFixedRate(this::heartbeat, ThreadLocalRandom.current().nextLong(every), every, TimeUnit.MILLISECONDS);
          registered.countDown();
        }
        case ASSIGNMENT -> assigned(message.getAssignment().getPackageId(), message.getAssignment().getToken());
        case FINISHED_ACK -> acknowledged.incrementAndGet();
        default -> {
          // Acks, orders, cancels: a no-op builder has nothing to do with them.
        }
      }
    }

    private void assigned(String packageId, long token) {
      Long freedAt;
      synchronized (this) {
        freedAt = freed.poll();
      }
      if (freedAt != null && recording) {
        claimLatency.add((System.nanoTime() - freedAt) / 1_000);
      }
      running.put(packageId, token);
      send(DroneMessage.newBuilder().setBuildStarted(BuildStarted.newBuilder().setPackageId(packageId).setToken(token)).build());
      long buildMs = maxBuildMs <= 0 ? 0 : ThreadLocalRandom.current().nextLong(minBuildMs, maxBuildMs + 1);
      if (buildMs == 0) {
        finish(packageId, token);
      } else {
        timers.schedule(() -> finish(packageId, token), buildMs, TimeUnit.MILLISECONDS);
      }
    }

    private void finish(String packageId, long token) {
      running.remove(packageId);
      long now = System.nanoTime();
      synchronized (this) {
        freed.add(now);
        if (freed.size() > slots) {
          freed.poll(); // an assignment that never came (queue empty): not a latency
        }
      }
      send(
          DroneMessage.newBuilder()
              .setBuildFinished(
                  BuildFinished.newBuilder()
                      .setPackageId(packageId)
                      .setToken(token)
                      .setSuccess(true)
                      .setDurationMs(1))
              .build());
      finished.incrementAndGet();
      BiConsumer<String, Long> tell = onFinished;
      if (tell != null) {
        tell.accept(packageId, System.currentTimeMillis());
      }
    }

    private void heartbeat() {
      Heartbeat.Builder beat =
          Heartbeat.newBuilder().setLoadAverage(1.0).setFreeDiskBytes(100L << 30).setMemoryAvailableBytes(8L << 30);
      running.forEach((id, token) -> beat.addRunning(RunningBuild.newBuilder().setPackageId(id).setToken(token)));
      send(DroneMessage.newBuilder().setHeartbeat(beat).build());
      heartbeats.incrementAndGet();
    }

    @Override
    public void onError(Throwable t) {
      if (!closing) {
        errors.incrementAndGet();
        System.err.println("drone " + name + ": session ended: " + t);
      }
      synchronized (this) {
        ended = true;
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        ended = true;
      }
    }
  }
}

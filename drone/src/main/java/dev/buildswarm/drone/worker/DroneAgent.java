package dev.buildswarm.drone.worker;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.artifacts.ArtifactUploader;
import dev.buildswarm.drone.artifacts.PkgdirSnapshot;
import dev.buildswarm.drone.client.CoordinatorClient;
import dev.buildswarm.drone.runner.BuildProcess;
import dev.buildswarm.drone.runner.BuildRequest;
import dev.buildswarm.drone.runner.BuildResult;
import dev.buildswarm.drone.runner.FailureClassifier;
import dev.buildswarm.drone.runner.LogLimit;
import dev.buildswarm.proto.v1.Artifact;
import dev.buildswarm.proto.v1.Assignment;
import dev.buildswarm.proto.v1.BuildFinished;
import dev.buildswarm.proto.v1.BuildStarted;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneOrders;
import dev.buildswarm.proto.v1.FailureClass;
import dev.buildswarm.proto.v1.FinishedAck;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.LogChunk;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.proto.v1.RunningBuild;
import dev.buildswarm.proto.v1.Stopping;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drone's main loop: keeps one session to the coordinator open (reconnecting with backoff),
 * heartbeats, and runs each assignment as a build on its own virtual thread.
 *
 * <p>Thread-safe. Messages to the coordinator are serialised on {@link #sendLock}, because a gRPC
 * {@code StreamObserver} must not be called concurrently.
 */
public final class DroneAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DroneAgent.class);
  public static final int PROTOCOL_VERSION = 1;
  private static final int LOG_BATCH_LINES = 64;
  private static final long LOG_BATCH_MS = 250;
  /** Well inside a lease TTL, so a drone back after a blip finds its leases still its own. */
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final DroneConfig config;
  private final CoordinatorClient client;
  private final Map<String, RunningBuildState> running = new ConcurrentHashMap<>();
  /**
   * Verdicts not yet acknowledged by the coordinator, by {@code id:token}. Sent again after every
   * registration until acknowledged; the coordinator applies a verdict sent twice only once.
   */
  private final Map<String, BuildFinished> outbox = new ConcurrentHashMap<>();
  /** Files of kept success verdicts not yet uploaded (no coordinator was reachable), by verdict key. */
  private final Map<String, List<PkgdirSnapshot.Found>> pendingUploads = new ConcurrentHashMap<>();

  private final Object sendLock = new Object();
  private StreamObserver<DroneMessage> outgoing; // guarded by sendLock

  private volatile boolean stopping;
  private volatile Thread sessionLoop;
  private volatile CountDownLatch registered = new CountDownLatch(1);
  /** The operator's orders as the coordinator last told them. */
  private volatile DroneOrders orders = DroneOrders.getDefaultInstance();
  /** Set by a ShutdownNotice: how long to wait before reconnecting, instead of the backoff. */
  private volatile long reconnectAfterMs = -1;
  /** A lease not renewed for this long is the coordinator's to requeue; from Registered. */
  private volatile long leaseTtlMs = 30_000;
  /** How often this drone heartbeats; from Registered. */
  private volatile long heartbeatIntervalMs = 5_000;
  private final HostFacts host;
  private final ArtifactUploader uploader;

  /**
   * A build this drone runs. {@code renewedAtNanos}: when the drone sent the last heartbeat whose
   * answer said this lease was renewed (or when the build was assigned), on System.nanoTime().
   */
  private record RunningBuildState(
      String packageId, long token, BuildProcess process, AtomicBoolean leaseLost, java.util.concurrent.atomic.AtomicLong renewedAtNanos) {}

  /** System.nanoTime() when this drone lost its session (0 while registered or before the first). */
  private volatile long outOfTouchSince;

  /** The coordinator answers heartbeats with the leases it renewed (Registered; see leaseWatch). */
  private volatile boolean coordinatorRenews;

  private final BuildProcess.Watcher buildWatcher;
  private final DroneMetrics metrics;

  public DroneAgent(DroneConfig config) {
    this(config, BuildProcess.Watcher.NONE);
  }

  /** With a watcher told of every build process (the record of running builds, in production). */
  public DroneAgent(DroneConfig config, BuildProcess.Watcher buildWatcher) {
    this.config = config;
    this.buildWatcher = buildWatcher;
    this.client = new CoordinatorClient(config.coordinator(), config.token(), config.tls());
    this.host = new HostFacts(config.pkgDir(), config.workDir());
    this.uploader = new ArtifactUploader(client::openUpload, Duration.ofMinutes(30));
    this.metrics = new DroneMetrics(running::size, config.slots(), this::isRegistered);
  }

  /** This drone's meters, for its {@code /metrics}. */
  public DroneMetrics metrics() {
    return metrics;
  }

  /** Whether a coordinator has accepted this drone's registration on the session open now. */
  public boolean isRegistered() {
    return registered.getCount() == 0;
  }

  /** This drone's name and coordinator address, as configured. */
  public DroneConfig config() {
    return config;
  }

  /** The orders (grounded, draining) the coordinator last told this drone. */
  public DroneOrders orders() {
    return orders;
  }

  /** Starts the session loop; returns at once. */
  public void start() {
    sessionLoop = Thread.ofVirtual().name("drone-session").start(this::sessionLoop);
    Thread.ofVirtual().name("drone-lease-watch").start(this::leaseWatch);
  }

  /**
   * Stops every build whose lease this drone has not seen renewed for half a lease TTL: the
   * coordinator may be unreachable behind a connection that has not failed yet (a black-holed
   * network keeps a TCP stream "open" for a minute), and at a full TTL the package is requeued and
   * may start on another drone. Half the TTL leaves the other half for the build to end (keep
   * --kill-grace below it). Only with a coordinator whose Registered says it renews leases: an older
   * one never answers heartbeats.
   */
  private void leaseWatch() {
    while (!stopping) {
      try {
        Thread.sleep(Math.max(50, Math.min(1_000, leaseTtlMs / 10)));
      } catch (InterruptedException e) {
        return;
      }
      if (!coordinatorRenews) {
        continue;
      }
      // Never less than one and a half heartbeat intervals: a coordinator accepts a TTL of twice the
      // interval, where half the TTL would run out between a heartbeat and its answer. Still below
      // the TTL, since the TTL is at least two intervals.
      long limitNanos = Math.max(leaseTtlMs / 2, heartbeatIntervalMs * 3 / 2) * 1_000_000;
      long now = System.nanoTime();
      for (RunningBuildState build : running.values()) {
        long silentNanos = now - build.renewedAtNanos().get();
        if (silentNanos > limitNanos && build.leaseLost().compareAndSet(false, true)) {
          LOG.warn(
              "the lease of package {} has not been renewed for {} ms (the limit is {} ms, the lease TTL {} ms):"
                  + " stopping its build before the coordinator can hand it to another drone",
              build.packageId(), silentNanos / 1_000_000, limitNanos / 1_000_000, leaseTtlMs);
          build.process().cancel();
        }
      }
    }
  }

  /** Waits until the coordinator has accepted this drone's registration. */
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    return registered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int runningBuilds() {
    return running.size();
  }

  private void sessionLoop() {
    Duration backoff = Duration.ofMillis(250);
    while (!stopping) {
      reconnectAfterMs = -1;
      CountDownLatch ended = new CountDownLatch(1);
      long[] heartbeatMs = {5000};
      Thread heartbeat = null;
      try {
        StreamObserver<DroneMessage> stream =
            client.openSession(new Incoming(ended, heartbeatMs));
        synchronized (sendLock) {
          // Register goes first: no build thread can slip a message in before it.
          outgoing = stream;
          stream.onNext(DroneMessage.newBuilder().setRegister(registration()).build());
        }
        heartbeat = Thread.ofVirtual().name("drone-heartbeat").start(() -> heartbeatLoop(ended, heartbeatMs));
        ended.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.warn("session to {} failed: {}", client.target(), e.getMessage());
      } finally {
        synchronized (sendLock) {
          outgoing = null;
        }
        if (heartbeat != null) {
          heartbeat.interrupt();
        }
      }
      if (outOfTouchSince == 0) {
        outOfTouchSince = System.nanoTime();
      }
      if (registered.getCount() == 0) {
        backoff = Duration.ofMillis(250);
        registered = new CountDownLatch(1);
      }
      if (stopping) {
        return;
      }
      metrics.reconnecting();
      // Exponential backoff with jitter (half to all of it), so a swarm of drones that lost one
      // coordinator does not come back in the same instant; a shutdown notice sets its own delay.
      long wait = reconnectAfterMs >= 0 ? reconnectAfterMs : backoff.toMillis();
      wait = wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1);
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        return;
      }
      giveUpLostLeases();
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  /**
   * Out of touch with every coordinator for longer than a lease TTL: the leases of the running
   * builds have expired and their packages may be building elsewhere already, so they are stopped.
   * Their verdicts say so; the coordinator refuses them as stale, which is right.
   */
  private void giveUpLostLeases() {
    long since = outOfTouchSince;
    long outOfTouchMs = since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000;
    if (outOfTouchMs <= leaseTtlMs || running.isEmpty()) {
      return;
    }
    for (RunningBuildState build : running.values()) {
      if (build.leaseLost().compareAndSet(false, true)) {
        LOG.warn(
            "no coordinator for {} s, longer than the lease TTL of {} s: stopping package {}, which is requeued",
            outOfTouchMs / 1000, leaseTtlMs / 1000, build.packageId());
        build.process().cancel();
      }
    }
  }

  private Register registration() {
    Register.Builder register = Register.newBuilder();
    for (RunningBuildState build : running.values()) {
      register.addRunning(RunningBuild.newBuilder().setPackageId(build.packageId()).setToken(build.token()));
    }
    return register
        .setName(config.name())
        .setHost(config.host())
        .setCores(config.cores())
        .setSlots(config.slots())
        .setSpeedFactor(config.speedFactor())
        .setVersion(config.version())
        .setProtocolVersion(PROTOCOL_VERSION)
        .putAllCapabilities(host.capabilities(config.capabilities()))
        .setReadsAcknowledges(true)
        .build();
  }

  private void heartbeatLoop(CountDownLatch ended, long[] intervalMs) {
    try {
      while (ended.getCount() > 0 && !stopping) {
        // The first goes out at once, right behind Register: builds carried over a reconnect were
        // last seen renewed before it, and only a heartbeat's answer tells the lease watch so.
        long sent = System.nanoTime();
        Heartbeat.Builder beat =
            Heartbeat.newBuilder()
                .setLoadAverage(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                .setFreeDiskBytes(host.freeDiskBytes())
                .setMemoryAvailableBytes(host.memoryAvailableBytes())
                .setSentAtNanos(sent);
        for (RunningBuildState build : running.values()) {
          beat.addRunning(
              RunningBuild.newBuilder().setPackageId(build.packageId()).setToken(build.token()));
        }
        send(DroneMessage.newBuilder().setHeartbeat(beat).build());
        // Short naps, reading the interval each time: Registered sets it after this loop began,
        // and the next heartbeat must not wait for the default interval (the lease watch counts).
        while (ended.getCount() > 0 && System.nanoTime() - sent < intervalMs[0] * 1_000_000L) {
          Thread.sleep(Math.min(50, intervalMs[0]));
        }
      }
    } catch (InterruptedException e) {
      // Session ended.
    }
  }

  /** Handles the coordinator's messages; gRPC calls these one at a time. */
  private final class Incoming implements StreamObserver<CoordinatorMessage> {
    private final CountDownLatch ended;
    private final long[] heartbeatMs;

    Incoming(CountDownLatch ended, long[] heartbeatMs) {
      this.ended = ended;
      this.heartbeatMs = heartbeatMs;
    }

    /** The coordinator stored this verdict: it is not sent again. */
    private void forget(FinishedAck ack) {
      outbox.remove(verdictKey(ack.getPackageId(), ack.getToken()));
    }

    @Override
    public void onNext(CoordinatorMessage message) {
      if (message.hasAcknowledges()) {
        // A verdict stored, acknowledged on the assignment its own step claimed.
        forget(message.getAcknowledges());
      }
      switch (message.getBodyCase()) {
        case REGISTERED -> {
          if (message.getRegistered().getHeartbeatIntervalMs() > 0) {
            heartbeatMs[0] = message.getRegistered().getHeartbeatIntervalMs();
            heartbeatIntervalMs = heartbeatMs[0];
          }
          if (message.getRegistered().getLeaseTtlMs() > 0) {
            leaseTtlMs = message.getRegistered().getLeaseTtlMs();
          }
          coordinatorRenews = message.getRegistered().getRenewsLeases();
          outOfTouchSince = 0;
          LOG.info("registered with coordinator {} as {}", client.target(), config.name());
          for (Map.Entry<String, BuildFinished> kept : outbox.entrySet()) {
            List<PkgdirSnapshot.Found> files = pendingUploads.get(kept.getKey());
            if (files != null) {
              // Built while no coordinator listened: its packages go up first, then the verdict.
              Thread.ofVirtual().name("upload-" + kept.getValue().getPackageId()).start(() -> deliverAfterUpload(kept.getKey(), files));
            } else {
              send(DroneMessage.newBuilder().setBuildFinished(kept.getValue()).build());
            }
          }
          registered.countDown();
        }
        case ASSIGNMENT -> {
          Assignment assignment = message.getAssignment();
          if (stopping || running.size() >= config.slots()) {
            // Crossed our Stopping notice on the wire, or more than this drone's slots: give it
            // straight back rather than overload the host.
            sendFinished(
                BuildFinished.newBuilder()
                    .setPackageId(assignment.getPackageId())
                    .setToken(assignment.getToken())
                    .setExitCode(-1)
                    .setReason(
                        stopping
                            ? "drone " + config.name() + " is shutting down"
                            : "drone " + config.name() + " has no free slot")
                    .setAbandoned(true)
                    .build());
            return;
          }
          Thread.ofVirtual()
              .name("build-" + assignment.getPackageId())
              .start(() -> build(assignment));
        }
        case RENEWED -> {
          long sentAt = message.getRenewed().getHeartbeatSentAtNanos();
          for (RunningBuild renewed : message.getRenewed().getBuildsList()) {
            RunningBuildState build = running.get(renewed.getPackageId());
            if (build != null && build.token() == renewed.getToken()) {
              build.renewedAtNanos().accumulateAndGet(sentAt, Math::max);
            }
          }
        }
        case FINISHED_ACK -> forget(message.getFinishedAck());
        case CANCEL -> {
          RunningBuildState build = running.get(message.getCancel().getPackageId());
          if (build != null && build.token() == message.getCancel().getToken()) {
            LOG.info("cancelling {}: {}", build.packageId(), message.getCancel().getReason());
            build.process().cancel();
          }
        }
        case ORDERS -> {
          DroneOrders told = message.getOrders();
          if (!told.equals(orders)) {
            LOG.warn(
                "the coordinator says this drone is {}{}",
                told.getGrounded() ? "GROUNDED: " + told.getGroundedReason() + " (it claims nothing until `swarm drone unground " + config.name() + "`)" : "not grounded",
                told.getDraining() ? "; DRAINING (it finishes running builds and takes nothing new)" : "");
          }
          orders = told;
        }
        case SHUTDOWN -> {
          LOG.info(
              "coordinator {} is shutting down ({}); builds go on, reconnecting",
              client.target(), message.getShutdown().getReason());
          reconnectAfterMs = message.getShutdown().getReconnectAfterMs();
        }
        case BODY_NOT_SET -> LOG.warn("empty message from coordinator ignored");
      }
    }

    @Override
    public void onError(Throwable error) {
      Status status = Status.fromThrowable(error);
      if (!stopping) {
        LOG.warn("session ended: {} {}{}", status.getCode(), status.getDescription(), config.tls().explain(status));
      }
      if (status.getCode() == Status.Code.FAILED_PRECONDITION
          || status.getCode() == Status.Code.INVALID_ARGUMENT) {
        // The coordinator refused this drone (bad name, incompatible version): retrying will not help.
        LOG.error("coordinator refused this drone: {}", status.getDescription());
      } else if (status.getCode() == Status.Code.UNAUTHENTICATED) {
        // A wrong token or certificate; retried with backoff, as either may be mid-rotation. The
        // coordinator's description says which (drone token: --token-file against its
        // BUILDSWARM_DRONE_TOKENS(_FILE); certificate: --tls-cert against its client CA).
        LOG.error("coordinator refused this drone's credential: {}", status.getDescription());
      }
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }
  }

  private void build(Assignment assignment) {
    String id = assignment.getPackageId();
    long token = assignment.getToken();
    List<String> argv;
    Atom atom;
    try {
      atom = Atom.parse(assignment.getAtom());
      argv = config.buildTemplate().argvFor(atom);
    } catch (IllegalArgumentException e) {
      metrics.buildFinished(DroneMetrics.Result.FAILURE, null);
      finished(id, token, e.getMessage());
      return;
    }
    Map<String, String> env = new HashMap<>(config.extraEnvironment());
    env.put("MAKEOPTS", config.makeopts());
    env.put("PKGDIR", config.pkgDir().toString());
    env.put("BUILDSWARM_ATTEMPT", String.valueOf(assignment.getAttempt()));
    env.put("BUILDSWARM_PACKAGE_ID", id);
    BuildProcess process =
        new BuildProcess(
            // No silence timeout yet: DroneConfig has no setting for it.
            new BuildRequest(argv, env, config.workDir(), config.buildTimeout(), config.silenceTimeout()),
            config.killGrace(),
            reportingStart(assignment, argv));
    RunningBuildState state = new RunningBuildState(id, token, process, new AtomicBoolean(), new java.util.concurrent.atomic.AtomicLong(System.nanoTime()));
    running.put(id, state);
    if (stopping) {
      // close() may have walked the running builds just before this one was added.
      process.cancel();
    }
    LogBatcher logs = new LogBatcher(id, token);
    // Only this package's files in its category folder: cheap however many packages PKGDIR keeps,
    // and it must be taken before the build starts (a build may write its package at once).
    PkgdirSnapshot before = PkgdirSnapshot.of(config.pkgDir(), atom);
    BuildResult result;
    try {
      result = process.run(new LogLimit(LogLimit.DEFAULT_MAX_LINE_BYTES, config.logLimitBytes()).limiting(logs::line));
    } catch (RuntimeException e) {
      running.remove(id, state);
      throw e;
    } finally {
      logs.flush();
    }
    // Stopping is not cancelling: a build this drone ended because it is shutting down says
    // nothing about the package, so it is handed back rather than failed.
    boolean leaseLost = state.leaseLost().get() && result.ended() == BuildResult.Ending.CANCELLED;
    boolean abandoned = (stopping || leaseLost) && result.ended() == BuildResult.Ending.CANCELLED;
    LOG.info(
        "{} {} in {} ms",
        assignment.getAtom(),
        abandoned ? "given back (drone stopping)" : result.succeeded() ? "built" : "failed: " + result.reason(),
        result.duration().toMillis());
    // A success counts once its binary packages are on the coordinator: uploaded now, under the
    // lease; a failed upload makes the build a transient failure, tried again.
    List<Artifact> uploaded = List.of();
    String uploadFailure = null;
    List<PkgdirSnapshot.Found> unsent = null;
    if (result.succeeded() && !abandoned) {
      List<PkgdirSnapshot.Found> made = List.of();
      try {
        made = madeBy(before, atom);
        uploaded = made.isEmpty() ? List.of() : upload(id, token, made);
      } catch (ArtifactUploader.Unreachable e) {
        // No coordinator now: the verdict waits in the outbox with its files, uploaded once a
        // coordinator is back (the lease lasts its TTL), then sent.
        unsent = made;
        LOG.info("{}: coordinator unreachable; its packages go up when one is back", assignment.getAtom());
      } catch (IOException e) {
        uploadFailure = "built, but the upload of its binary packages failed: " + e.getMessage();
        LOG.warn("{}: {}", assignment.getAtom(), uploadFailure);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        uploadFailure = "built, but the drone stopped during the upload of its binary packages";
      }
    }
    boolean success = result.succeeded() && uploadFailure == null;
    metrics.buildFinished(
        success ? DroneMetrics.Result.SUCCESS : abandoned ? DroneMetrics.Result.GIVEN_BACK : DroneMetrics.Result.FAILURE,
        result.duration());
    BuildFinished verdict =
        BuildFinished.newBuilder()
            .setPackageId(id)
            .setToken(token)
            .setSuccess(success)
            .addAllArtifacts(uploaded)
            .setExitCode(result.exitCode())
            .setSignal(result.signal())
            .setDurationMs(result.duration().toMillis())
            .setReason(
                leaseLost
                    ? "lease lost: drone " + config.name() + " was out of touch with the coordinator for longer than the lease TTL"
                    : abandoned
                        ? "drone " + config.name() + " is shutting down"
                        : uploadFailure != null ? uploadFailure : result.reason())
            .setAbandoned(abandoned)
            .setFailureClass(
                success
                    ? FailureClass.FAILURE_CLASS_UNSPECIFIED
                    : uploadFailure != null ? FailureClass.TRANSIENT : FailureClassifier.classify(result))
            .addAllLogTail(result.logTail())
            .build();
    // Into the outbox before the slot is freed (close() waits for both to empty), and the slot
    // freed before the verdict is sent: the coordinator may answer with the next assignment at
    // once. Removes exactly this build: the same package may run again under a newer token.
    outbox.put(verdictKey(id, token), verdict);
    if (unsent != null) {
      pendingUploads.put(verdictKey(id, token), unsent);
      running.remove(id, state);
      return;
    }
    running.remove(id, state);
    sendFinished(verdict);
  }

  /**
   * Reports a build as started once its process exists, not before: sending the report (and, on
   * a shared host, the coordinator's step for it) then runs beside the exec of the build instead of
   * ahead of it, off the dispatch latency; and a build whose process could not be started at all (a
   * missing working directory, say) is never reported as building: its verdict takes the package
   * from claimed straight to its end.
   */
  private BuildProcess.Watcher reportingStart(Assignment assignment, List<String> argv) {
    return new BuildProcess.Watcher() {
      @Override
      public void started(ProcessHandle build) {
        buildWatcher.started(build);
        send(
            DroneMessage.newBuilder()
                .setBuildStarted(BuildStarted.newBuilder().setPackageId(assignment.getPackageId()).setToken(assignment.getToken()))
                .build());
        LOG.info(
            "building {} (package {}, attempt {}, pid {}): {}",
            assignment.getAtom(), assignment.getPackageId(), assignment.getAttempt(), build.pid(), argv);
      }

      @Override
      public void ended(ProcessHandle build) {
        buildWatcher.ended(build);
      }
    };
  }

  /** Uploads a kept verdict's packages, then sends it (with them, or as a failure if refused). */
  private void deliverAfterUpload(String key, List<PkgdirSnapshot.Found> files) {
    BuildFinished verdict = outbox.get(key);
    if (verdict == null || !pendingUploads.remove(key, files)) {
      return;
    }
    BuildFinished sent;
    try {
      List<Artifact> stored = upload(verdict.getPackageId(), verdict.getToken(), files);
      sent = verdict.toBuilder().clearArtifacts().addAllArtifacts(stored).build();
    } catch (ArtifactUploader.Unreachable e) {
      pendingUploads.put(key, files); // the next registration tries again
      return;
    } catch (IOException e) {
      sent =
          verdict.toBuilder()
              .setSuccess(false)
              .setReason("built, but the upload of its binary packages failed: " + e.getMessage())
              .setFailureClass(FailureClass.TRANSIENT)
              .build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pendingUploads.put(key, files);
      return;
    }
    sendFinished(sent);
  }

  /** The build's new or changed binary packages under PKGDIR. */
  private List<PkgdirSnapshot.Found> madeBy(PkgdirSnapshot before, Atom atom) throws IOException {
    return PkgdirSnapshot.of(config.pkgDir(), atom).addedSince(before);
  }

  /** Uploads the files under the build's lease; an unreachable coordinator is {@link ArtifactUploader.Unreachable}. */
  private List<Artifact> upload(String id, long token, List<PkgdirSnapshot.Found> made)
      throws IOException, InterruptedException {
    List<Artifact> stored = uploader.upload(config.name(), id, token, made);
    metrics.uploaded(stored.size(), stored.stream().mapToLong(Artifact::getSize).sum());
    LOG.info("uploaded {} binary packages of package {}: {}", stored.size(), id, stored.stream().map(Artifact::getName).toList());
    return stored;
  }

  private void finished(String id, long token, String reason) {
    sendFinished(
        BuildFinished.newBuilder()
            .setPackageId(id)
            .setToken(token)
            .setSuccess(false)
            .setExitCode(-1)
            .setReason(reason)
            // The atom or the template cannot make an argv: the same happens on every try.
            .setFailureClass(FailureClass.PERMANENT)
            .build());
  }

  /** Keeps the verdict until the coordinator acknowledges it, and sends it now if a session is open. */
  private void sendFinished(BuildFinished result) {
    outbox.put(verdictKey(result.getPackageId(), result.getToken()), result);
    send(DroneMessage.newBuilder().setBuildFinished(result).build());
  }

  private static String verdictKey(String packageId, long token) {
    return packageId + ":" + token;
  }

  /** Verdicts the coordinator has not acknowledged yet. */
  public int unacknowledgedVerdicts() {
    return outbox.size();
  }

  /**
   * Collects output lines into chunks of bounded size and age. Synchronised: the output reader and
   * the build thread's final flush may overlap.
   */
  private final class LogBatcher {
    private final String id;
    private final long token;
    private final List<String> lines = new ArrayList<>();
    private long sequence;
    private long firstLineAt;

    LogBatcher(String id, long token) {
      this.id = id;
      this.token = token;
    }

    synchronized void line(String line) {
      if (lines.isEmpty()) {
        firstLineAt = System.currentTimeMillis();
      }
      lines.add(line);
      if (lines.size() >= LOG_BATCH_LINES || System.currentTimeMillis() - firstLineAt >= LOG_BATCH_MS) {
        flush();
      }
    }

    synchronized void flush() {
      if (lines.isEmpty()) {
        return;
      }
      String text = String.join("\n", lines) + "\n";
      boolean sent =
          send(
              DroneMessage.newBuilder()
                  .setLogChunk(LogChunk.newBuilder().setPackageId(id).setToken(token).setSequence(sequence++).setText(text))
                  .build());
      if (sent) {
        metrics.logSent(text.getBytes(StandardCharsets.UTF_8).length);
      }
      lines.clear();
    }
  }

  /** Sends one message if a session is open; returns whether it was handed to gRPC. */
  private boolean send(DroneMessage message) {
    synchronized (sendLock) {
      if (outgoing == null) {
        return false;
      }
      try {
        outgoing.onNext(message);
        return true;
      } catch (RuntimeException e) {
        LOG.warn("could not send {}: {}", message.getBodyCase(), e.getMessage());
        return false;
      }
    }
  }

  /** Stops taking work, ends running builds, closes the session. */
  @Override
  public void close() {
    stopping = true;
    send(
        DroneMessage.newBuilder()
            .setStopping(Stopping.newBuilder().setReason("drone " + config.name() + " is shutting down"))
            .build());
    for (RunningBuildState build : running.values()) {
      build.process().cancel();
    }
    // Let the build threads report (given back, not failed) and the coordinator acknowledge,
    // before the session closes.
    long deadline = System.nanoTime() + config.killGrace().plusSeconds(5).toNanos();
    while ((!running.isEmpty() || !outbox.isEmpty()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (sendLock) {
      if (outgoing != null) {
        try {
          outgoing.onCompleted();
        } catch (RuntimeException ignored) {
          // Already closed.
        }
        outgoing = null;
      }
    }
    Thread loop = sessionLoop;
    if (loop != null) {
      loop.interrupt();
    }
    client.close();
  }
}

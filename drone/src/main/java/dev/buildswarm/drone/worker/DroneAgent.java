package dev.buildswarm.drone.worker;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.client.CoordinatorClient;
import dev.buildswarm.drone.runner.BuildProcess;
import dev.buildswarm.drone.runner.BuildRequest;
import dev.buildswarm.drone.runner.BuildResult;
import dev.buildswarm.drone.runner.FailureClassifier;
import dev.buildswarm.proto.v1.Assignment;
import dev.buildswarm.proto.v1.BuildFinished;
import dev.buildswarm.proto.v1.BuildStarted;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.FailureClass;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.LogChunk;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.proto.v1.RunningBuild;
import dev.buildswarm.proto.v1.Stopping;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  private final Object sendLock = new Object();
  private StreamObserver<DroneMessage> outgoing; // guarded by sendLock

  private volatile boolean stopping;
  private volatile Thread sessionLoop;
  private volatile CountDownLatch registered = new CountDownLatch(1);

  private record RunningBuildState(String packageId, long token, BuildProcess process) {}

  public DroneAgent(DroneConfig config) {
    this.config = config;
    this.client = new CoordinatorClient(config.coordinator());
  }

  /** Starts the session loop; returns at once. */
  public void start() {
    sessionLoop = Thread.ofVirtual().name("drone-session").start(this::sessionLoop);
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
      if (registered.getCount() == 0) {
        backoff = Duration.ofMillis(250);
        registered = new CountDownLatch(1);
      }
      if (stopping) {
        return;
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
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
        .build();
  }

  private void heartbeatLoop(CountDownLatch ended, long[] intervalMs) {
    try {
      while (ended.getCount() > 0 && !stopping) {
        Thread.sleep(intervalMs[0]);
        Heartbeat.Builder beat =
            Heartbeat.newBuilder()
                .setLoadAverage(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (RunningBuildState build : running.values()) {
          beat.addRunning(
              RunningBuild.newBuilder().setPackageId(build.packageId()).setToken(build.token()));
        }
        send(DroneMessage.newBuilder().setHeartbeat(beat).build());
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

    @Override
    public void onNext(CoordinatorMessage message) {
      switch (message.getBodyCase()) {
        case REGISTERED -> {
          if (message.getRegistered().getHeartbeatIntervalMs() > 0) {
            heartbeatMs[0] = message.getRegistered().getHeartbeatIntervalMs();
          }
          LOG.info("registered with coordinator {} as {}", client.target(), config.name());
          for (BuildFinished verdict : outbox.values()) {
            send(DroneMessage.newBuilder().setBuildFinished(verdict).build());
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
        case FINISHED_ACK ->
            outbox.remove(verdictKey(message.getFinishedAck().getPackageId(), message.getFinishedAck().getToken()));
        case CANCEL -> {
          RunningBuildState build = running.get(message.getCancel().getPackageId());
          if (build != null && build.token() == message.getCancel().getToken()) {
            LOG.info("cancelling {}: {}", build.packageId(), message.getCancel().getReason());
            build.process().cancel();
          }
        }
        case BODY_NOT_SET -> LOG.warn("empty message from coordinator ignored");
      }
    }

    @Override
    public void onError(Throwable error) {
      Status status = Status.fromThrowable(error);
      if (!stopping) {
        LOG.warn("session ended: {} {}", status.getCode(), status.getDescription());
      }
      if (status.getCode() == Status.Code.FAILED_PRECONDITION
          || status.getCode() == Status.Code.INVALID_ARGUMENT) {
        // The coordinator refused this drone (bad name, incompatible version): retrying will not help.
        LOG.error("coordinator refused this drone: {}", status.getDescription());
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
    try {
      argv = config.buildTemplate().argvFor(Atom.parse(assignment.getAtom()));
    } catch (IllegalArgumentException e) {
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
            new BuildRequest(argv, env, config.workDir(), config.buildTimeout()),
            config.killGrace());
    RunningBuildState state = new RunningBuildState(id, token, process);
    running.put(id, state);
    if (stopping) {
      // close() may have walked the running builds just before this one was added.
      process.cancel();
    }
    send(
        DroneMessage.newBuilder()
            .setBuildStarted(BuildStarted.newBuilder().setPackageId(id).setToken(token))
            .build());
    LOG.info("building {} (package {}, attempt {}): {}", assignment.getAtom(), id, assignment.getAttempt(), argv);
    LogBatcher logs = new LogBatcher(id, token);
    BuildResult result;
    try {
      result = process.run(logs::line);
    } catch (RuntimeException e) {
      running.remove(id, state);
      throw e;
    } finally {
      logs.flush();
    }
    // Stopping is not cancelling: a build this drone ended because it is shutting down says
    // nothing about the package, so it is handed back rather than failed.
    boolean abandoned = stopping && result.ended() == BuildResult.Ending.CANCELLED;
    LOG.info(
        "{} {} in {} ms",
        assignment.getAtom(),
        abandoned ? "given back (drone stopping)" : result.succeeded() ? "built" : "failed: " + result.reason(),
        result.duration().toMillis());
    BuildFinished verdict =
        BuildFinished.newBuilder()
            .setPackageId(id)
            .setToken(token)
            .setSuccess(result.succeeded())
            .setExitCode(result.exitCode())
            .setDurationMs(result.duration().toMillis())
            .setReason(abandoned ? "drone " + config.name() + " is shutting down" : result.reason())
            .setAbandoned(abandoned)
            .setFailureClass(result.succeeded() ? FailureClass.FAILURE_CLASS_UNSPECIFIED : FailureClassifier.classify(result))
            .addAllLogTail(result.logTail())
            .build();
    // Into the outbox before the slot is freed (close() waits for both to empty), and the slot
    // freed before the verdict is sent: the coordinator may answer with the next assignment at
    // once. Removes exactly this build: the same package may run again under a newer token.
    outbox.put(verdictKey(id, token), verdict);
    running.remove(id, state);
    sendFinished(verdict);
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
      send(
          DroneMessage.newBuilder()
              .setLogChunk(
                  LogChunk.newBuilder()
                      .setPackageId(id)
                      .setToken(token)
                      .setSequence(sequence++)
                      .setText(String.join("\n", lines) + "\n"))
              .build());
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

package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.binhost.ArtifactStore;
import dev.buildswarm.coordinator.binhost.BinhostHook;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.domain.DroneOrders;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.drones.Dispatcher;
import dev.buildswarm.coordinator.drones.DroneLink;
import dev.buildswarm.coordinator.drones.DroneSession;
import dev.buildswarm.coordinator.drones.DroneSessions;
import dev.buildswarm.coordinator.queue.SwarmService;

import dev.buildswarm.proto.v1.Assignment;
import dev.buildswarm.proto.v1.CancelBuild;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.FinishedAck;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.LeasesRenewed;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.proto.v1.Registered;
import dev.buildswarm.proto.v1.RunningBuild;
import dev.buildswarm.proto.v1.ShutdownNotice;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drone session stream. The first message must be {@code Register}; after that, reports are
 * handed to the drone's {@link DroneSession}. gRPC delivers one stream's messages one at a time, on
 * the server's (virtual-thread) executor, so blocking on Redis here never blocks a transport thread.
 */
public final class DroneServiceEndpoint extends DroneServiceGrpc.DroneServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(DroneServiceEndpoint.class);
  public static final int PROTOCOL_VERSION = 1;

  private final SwarmService service;
  private final DroneSessions sessions;
  private final Dispatcher dispatcher;
  private final String coordinatorId;
  private final String coordinatorVersion;
  private final Clock clock;
  private final ArtifactStore artifacts;
  private final BinhostHook hook;

  public DroneServiceEndpoint(
      SwarmService service,
      DroneSessions sessions,
      Dispatcher dispatcher,
      String coordinatorId,
      String coordinatorVersion,
      Clock clock,
      ArtifactStore artifacts,
      BinhostHook hook) {
    this.artifacts = artifacts;
    this.hook = hook;
    this.clock = clock;
    this.service = service;
    this.sessions = sessions;
    this.dispatcher = dispatcher;
    this.coordinatorId = coordinatorId;
    this.coordinatorVersion = coordinatorVersion;
  }

  @Override
  public StreamObserver<DroneMessage> session(StreamObserver<CoordinatorMessage> toDrone) {
    Stream stream = new Stream(new GrpcDroneLink(toDrone));
    if (toDrone instanceof ServerCallStreamObserver<CoordinatorMessage> call) {
      // Closed from this side (a session ending itself, say when a report could not be stored):
      // gRPC tells the drone's half nothing then, so the session is ended here. Runs in turn with
      // the stream's own callbacks.
      call.setOnCloseHandler(stream::end);
    }
    return stream;
  }

  @Override
  public StreamObserver<UploadPart> uploadArtifacts(StreamObserver<UploadReply> reply) {
    return new UploadEndpoint(service, artifacts, hook, reply);
  }

  /** The coordinator-to-drone half; serialised because a StreamObserver is not thread-safe. */
  private static final class GrpcDroneLink implements DroneLink {
    private final StreamObserver<CoordinatorMessage> out;
    private boolean ended; // guarded by this
    /** The drone reads acknowledgements carried by assignments (Register.reads_acknowledges). */
    private volatile boolean readsAcknowledges;
    /**
     * The acknowledgements of verdicts being stored, by the thread storing each (a drone's verdicts
     * are stored concurrently, each on a thread of its own): only an assignment sent by that thread,
     * after its verdict is stored, carries it (the dispatcher's assignments never do).
     */
    private final Map<Thread, FinishedAck> heldAcks = new ConcurrentHashMap<>();

    GrpcDroneLink(StreamObserver<CoordinatorMessage> out) {
      this.out = out;
    }

    @Override
    public void storeThenAcknowledge(String packageId, long token, Runnable storing) {
      FinishedAck ack = FinishedAck.newBuilder().setPackageId(packageId).setToken(token).build();
      Thread storer = Thread.currentThread();
      if (readsAcknowledges) {
        heldAcks.put(storer, ack);
      }
      boolean stored = false;
      try {
        storing.run();
        stored = true;
      } finally {
        // Still held: no assignment carried it.
        boolean alone = !readsAcknowledges || heldAcks.remove(storer) != null;
        if (stored && alone) {
          send(CoordinatorMessage.newBuilder().setFinishedAck(ack).build());
        }
      }
    }

    synchronized boolean send(CoordinatorMessage message) {
      if (ended) {
        return false;
      }
      try {
        out.onNext(message);
        return true;
      } catch (RuntimeException e) {
        ended = true;
        return false;
      }
    }

    @Override
    public synchronized boolean assign(Claim.Claimed claim) {
      CoordinatorMessage.Builder message =
          CoordinatorMessage.newBuilder()
              .setAssignment(
                  Assignment.newBuilder()
                      .setPackageId(claim.packageId())
                      .setAtom(claim.atom())
                      .setAttempt(claim.attempt())
                      .setToken(claim.token()));
      FinishedAck held = heldAcks.isEmpty() ? null : heldAcks.remove(Thread.currentThread());
      if (held != null) {
        message.setAcknowledges(held);
      }
      return send(message.build());
    }

    @Override
    public void cancel(String packageId, long token, String reason) {
      send(
          CoordinatorMessage.newBuilder()
              .setCancel(CancelBuild.newBuilder().setPackageId(packageId).setToken(token).setReason(reason))
              .build());
    }

    @Override
    public void orders(DroneOrders orders) {
      send(
          CoordinatorMessage.newBuilder()
              .setOrders(
                  dev.buildswarm.proto.v1.DroneOrders.newBuilder()
                      .setGrounded(orders.grounded())
                      .setGroundedReason(orders.groundedReason())
                      .setDraining(orders.draining()))
              .build());
    }

    @Override
    public void shutdown(String reason, Duration reconnectAfter) {
      send(
          CoordinatorMessage.newBuilder()
              .setShutdown(
                  ShutdownNotice.newBuilder()
                      .setReason(reason)
                      .setReconnectAfterMs((int) Math.min(Integer.MAX_VALUE, reconnectAfter.toMillis())))
              .build());
    }

    @Override
    public synchronized void close(String reason) {
      fail(Status.ABORTED.withDescription(reason));
    }

    synchronized void fail(Status status) {
      if (!ended) {
        ended = true;
        try {
          out.onError(status.asRuntimeException());
        } catch (RuntimeException ignored) {
          // Already closed by the transport.
        }
      }
    }

    synchronized void complete() {
      if (!ended) {
        ended = true;
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // Already closed by the transport.
        }
      }
    }
  }

  /** The drone-to-coordinator half of one session. */
  private final class Stream implements StreamObserver<DroneMessage> {
    private final GrpcDroneLink link;
    private DroneSession session; // confined: gRPC calls onNext/onError/onCompleted serially
    private boolean over; // confined likewise

    Stream(GrpcDroneLink link) {
      this.link = link;
    }

    @Override
    public void onNext(DroneMessage message) {
      if (over) {
        return;
      }
      try {
        if (session == null) {
          register(message);
          return;
        }
        switch (message.getBodyCase()) {
          case HEARTBEAT -> {
            Map<String, Long> running = new LinkedHashMap<>();
            for (RunningBuild build : message.getHeartbeat().getRunningList()) {
              running.put(build.getPackageId(), build.getToken());
            }
            Heartbeat beat = message.getHeartbeat();
            Map<String, Long> renewed = session.heartbeat(running, ProtoMapping.vitals(beat));
            LeasesRenewed.Builder answer = LeasesRenewed.newBuilder().setHeartbeatSentAtNanos(beat.getSentAtNanos());
            renewed.forEach((id, token) -> answer.addBuilds(RunningBuild.newBuilder().setPackageId(id).setToken(token)));
            link.send(CoordinatorMessage.newBuilder().setRenewed(answer).build());
          }
          case BUILD_STARTED ->
              session.buildStarted(message.getBuildStarted().getPackageId(), message.getBuildStarted().getToken());
          case LOG_CHUNK ->
              session.logChunk(
                  message.getLogChunk().getPackageId(),
                  message.getLogChunk().getToken(),
                  message.getLogChunk().getText());
          // Stored on a thread of its own (the drone's next message is read meanwhile), then
          // acknowledged: the drone may forget it.
          case BUILD_FINISHED -> session.buildFinished(ProtoMapping.report(message.getBuildFinished()));
          case STOPPING -> session.stopping(message.getStopping().getReason());
          case REGISTER -> {
            link.fail(Status.FAILED_PRECONDITION.withDescription("already registered on this stream"));
            end();
          }
          case BODY_NOT_SET -> LOG.warn("drone {} sent an empty message", session.drone().name());
        }
      } catch (IllegalArgumentException e) {
        link.fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
        end();
      } catch (RuntimeException e) {
        // Redis unreachable, say: the drone reconnects and re-reports; nothing half-applied.
        LOG.error("drone session failed", e);
        link.fail(Status.UNAVAILABLE.withDescription("coordinator error: " + e));
        end();
      }
    }

    private void register(DroneMessage message) {
      if (message.getBodyCase() != DroneMessage.BodyCase.REGISTER) {
        over = true;
        link.fail(Status.FAILED_PRECONDITION.withDescription("the first message of a session must be Register"));
        return;
      }
      Register r = message.getRegister();
      if (r.getProtocolVersion() != PROTOCOL_VERSION) {
        over = true;
        link.fail(
            Status.FAILED_PRECONDITION.withDescription(
                "drone "
                    + r.getName()
                    + " speaks protocol "
                    + r.getProtocolVersion()
                    + ", this coordinator speaks "
                    + PROTOCOL_VERSION
                    + ": upgrade the older of the two"));
        return;
      }
      DroneRegistration drone = ProtoMapping.registration(r);
      link.readsAcknowledges = r.getReadsAcknowledges();
      DroneSession opened = new DroneSession(drone, service, link, dispatcher::wake, coordinatorId, clock);
      sessions.add(opened);
      session = opened;
      link.send(
          CoordinatorMessage.newBuilder()
              .setRegistered(
                  Registered.newBuilder()
                      .setCoordinatorVersion(coordinatorVersion)
                      .setHeartbeatIntervalMs((int) service.settings().heartbeatInterval().toMillis())
                      .setLeaseTtlMs((int) service.settings().leaseTtl().toMillis())
                      .setRenewsLeases(true))
              .build());
      Map<String, Long> carriedOver = new LinkedHashMap<>();
      for (RunningBuild build : r.getRunningList()) {
        carriedOver.put(build.getPackageId(), build.getToken());
      }
      opened.open(carriedOver);
      LOG.info(
          "drone {} registered ({} cores, {} slots, version {})",
          drone.name(), drone.cores(), drone.slots(), drone.version());
    }

    private void end() {
      over = true;
      if (session != null) {
        sessions.remove(session);
        LOG.info("drone {} disconnected", session.drone().name());
        session = null;
      }
    }

    @Override
    public void onError(Throwable t) {
      end();
    }

    @Override
    public void onCompleted() {
      end();
      link.complete();
    }
  }
}

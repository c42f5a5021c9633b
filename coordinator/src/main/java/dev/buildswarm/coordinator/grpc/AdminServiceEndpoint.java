package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.domain.DroneOrder;
import dev.buildswarm.coordinator.domain.DroneOrderOutcome;
import dev.buildswarm.coordinator.domain.EmergeLog;
import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.LogPage;
import dev.buildswarm.coordinator.domain.PackageDetail;
import dev.buildswarm.coordinator.domain.PackagePage;
import dev.buildswarm.coordinator.domain.PackageSummary;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.domain.SwarmEvent;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.queue.EnqueueItem;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.ClearReply;
import dev.buildswarm.proto.v1.DroneInfo;
import dev.buildswarm.proto.v1.DronesReply;
import dev.buildswarm.proto.v1.DronesRequest;
import dev.buildswarm.proto.v1.ClearRequest;
import dev.buildswarm.proto.v1.EnqueueReply;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.EnqueueResult;
import dev.buildswarm.proto.v1.Event;
import dev.buildswarm.proto.v1.EventsReply;
import dev.buildswarm.proto.v1.EventsRequest;
import dev.buildswarm.proto.v1.HistoryReply;
import dev.buildswarm.proto.v1.HistoryRequest;
import dev.buildswarm.proto.v1.ImportHistoryReply;
import dev.buildswarm.proto.v1.ImportHistoryRequest;
import dev.buildswarm.proto.v1.ListPackagesReply;
import dev.buildswarm.proto.v1.ListPackagesRequest;
import dev.buildswarm.proto.v1.LogsReply;
import dev.buildswarm.proto.v1.LogsRequest;
import dev.buildswarm.proto.v1.OrderDroneReply;
import dev.buildswarm.proto.v1.OrderDroneRequest;
import dev.buildswarm.proto.v1.PackageHistory;
import dev.buildswarm.proto.v1.PackageReply;
import dev.buildswarm.proto.v1.PackageRequest;
import dev.buildswarm.proto.v1.PauseReply;
import dev.buildswarm.proto.v1.PauseRequest;
import dev.buildswarm.proto.v1.ShowPackageReply;
import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;

/** The operator's API over gRPC; a thin adapter over {@link SwarmService}. Thread-safe. */
public final class AdminServiceEndpoint extends AdminServiceGrpc.AdminServiceImplBase {
  private final SwarmService service;

  public AdminServiceEndpoint(SwarmService service) {
    this.service = service;
  }

  /** Runs one call: the service's answer, or its exception as a status. */
  private static <T> void answer(StreamObserver<T> reply, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      reply.onError(GrpcErrors.toStatus(e));
      return;
    }
    reply.onNext(value);
    reply.onCompleted();
  }

  /** A refused operation is the caller's mistake (wrong state, unknown package): FAILED_PRECONDITION. */
  private static PackageReply packageReply(String id, Report report) {
    return switch (report) {
      case Report.Refused refused ->
          throw Status.FAILED_PRECONDITION.withDescription(refused.reason()).asRuntimeException();
      case Report.Cancelled cancelled ->
          PackageReply.newBuilder()
              .setPackageId(id)
              .setOutcome(
                  "cancelled (was "
                      + cancelled.previousState()
                      + (cancelled.drone().isEmpty() ? "" : " on " + cancelled.drone())
                      + ")")
              .build();
      case Report.Accepted accepted -> PackageReply.newBuilder().setPackageId(id).setOutcome(accepted.outcome()).build();
    };
  }

  @Override
  public void enqueue(EnqueueRequest request, StreamObserver<EnqueueReply> reply) {
    answer(
        reply,
        () -> {
          List<EnqueueItem> items = ProtoMapping.enqueueItems(request);
          EnqueueReply.Builder out = EnqueueReply.newBuilder();
          for (EnqueueOutcome outcome : service.enqueueItems(items, request.getPriority())) {
            out.addResults(
                EnqueueResult.newBuilder()
                    .setAtom(outcome.atom())
                    .setPackageId(outcome.packageId())
                    .setQueued(outcome.queued())
                    .setExistingState(outcome.state()));
          }
          return out.build();
        });
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusReply> reply) {
    answer(
        reply,
        () -> {
          SwarmStatus status = service.status();
          return StatusReply.newBuilder()
              .putAllPackagesByState(status.packagesByState())
              .putAllDronesByState(status.dronesByState())
              .setCoresActive(status.coresActive())
              .setCoresTotal(status.coresTotal())
              .setSwarmState(status.swarmState())
              .setOpenExpectedMs(status.openExpectedMs())
              .setWorkingSlots(status.workingSlots())
              .setEtaMs(status.etaMs())
              .build();
        });
  }

  @Override
  public void cancel(PackageRequest request, StreamObserver<PackageReply> reply) {
    answer(
        reply,
        () -> {
          String id = service.packageIdOf(request.getPackage());
          return packageReply(id, service.cancel(id, request.getReason()));
        });
  }

  @Override
  public void retry(PackageRequest request, StreamObserver<PackageReply> reply) {
    answer(
        reply,
        () -> {
          String id = service.packageIdOf(request.getPackage());
          return packageReply(id, service.retry(id));
        });
  }

  @Override
  public void remove(PackageRequest request, StreamObserver<PackageReply> reply) {
    answer(
        reply,
        () -> {
          String id = service.packageIdOf(request.getPackage());
          Report report = service.remove(id);
          return packageReply(id, report instanceof Report.Accepted ? new Report.Accepted("removed") : report);
        });
  }

  @Override
  public void clear(ClearRequest request, StreamObserver<ClearReply> reply) {
    answer(reply, () -> ClearReply.newBuilder().setRemoved(service.clear(request.getState())).build());
  }

  @Override
  public void pause(PauseRequest request, StreamObserver<PauseReply> reply) {
    answer(reply, () -> PauseReply.newBuilder().setChanged(service.pause()).build());
  }

  @Override
  public void resume(PauseRequest request, StreamObserver<PauseReply> reply) {
    answer(reply, () -> PauseReply.newBuilder().setChanged(service.resume()).build());
  }

  @Override
  public void importHistory(ImportHistoryRequest request, StreamObserver<ImportHistoryReply> reply) {
    answer(
        reply,
        () -> {
          EmergeLog.Reading reading = service.importEmergeLog(request.getEmergeLog());
          return ImportHistoryReply.newBuilder()
              .setRecorded(reading.builds().size())
              .setSkipped(reading.skipped())
              .setPackages(reading.builds().stream().map(EmergeLog.Build::key).distinct().count())
              .build();
        });
  }

  @Override
  public void history(HistoryRequest request, StreamObserver<HistoryReply> reply) {
    answer(
        reply,
        () -> {
          HistoryReply.Builder out = HistoryReply.newBuilder();
          service
              .history(request.getKey())
              .forEach(
                  (key, h) ->
                      out.addPackages(PackageHistory.newBuilder().setKey(key).setExpectedMs(h[0]).setBuilds(h[1])));
          return out.build();
        });
  }

  @Override
  public void events(EventsRequest request, StreamObserver<EventsReply> reply) {
    answer(
        reply,
        () -> {
          List<SwarmEvent> events = service.events(request.getSince(), request.getLimit());
          EventsReply.Builder out = EventsReply.newBuilder();
          for (SwarmEvent event : events) {
            out.addEvents(Event.newBuilder().setId(event.id()).putAllFields(event.fields()));
          }
          out.setCursor(events.isEmpty() ? request.getSince() : events.get(events.size() - 1).id());
          return out.build();
        });
  }

  @Override
  public void orderDrone(OrderDroneRequest request, StreamObserver<OrderDroneReply> reply) {
    answer(
        reply,
        () -> {
          DroneOrder order =
              switch (request.getOrder()) {
                case GROUND -> DroneOrder.GROUND;
                case UNGROUND -> DroneOrder.UNGROUND;
                case DRAIN -> DroneOrder.DRAIN;
                case UNDRAIN -> DroneOrder.UNDRAIN;
                case DRONE_ORDER_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("no order given (ground, unground, drain or undrain)");
              };
          DroneOrderOutcome outcome;
          try {
            outcome = service.orderDrone(request.getDrone(), order, request.getReason());
          } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no drone named")) {
              throw Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
            }
            throw e;
          }
          return OrderDroneReply.newBuilder()
              .setChanged(outcome.changed())
              .setGrounded(outcome.orders().grounded())
              .setGroundedReason(outcome.orders().groundedReason())
              .setDraining(outcome.orders().draining())
              .build();
        });
  }

  @Override
  public void listPackages(ListPackagesRequest request, StreamObserver<ListPackagesReply> reply) {
    answer(
        reply,
        () -> {
          PackagePage page =
              service.listPackages(request.getState(), request.getDrone(), request.getLimit(), request.getCursor());
          ListPackagesReply.Builder out = ListPackagesReply.newBuilder().setNextCursor(page.nextCursor());
          for (PackageSummary p : page.packages()) {
            out.addPackages(
                dev.buildswarm.proto.v1.PackageSummary.newBuilder()
                    .setId(p.id())
                    .setAtom(p.atom())
                    .setState(p.state())
                    .setAttempt(p.attempt())
                    .setDrone(p.drone())
                    .setReason(p.reason())
                    .setUpdatedMs(p.updatedMs())
                    .setExpectedMs(p.expectedMs()));
          }
          return out.build();
        });
  }

  @Override
  public void showPackage(PackageRequest request, StreamObserver<ShowPackageReply> reply) {
    answer(
        reply,
        () -> {
          PackageDetail detail = service.showPackage(request.getPackage());
          ShowPackageReply.Builder out =
              ShowPackageReply.newBuilder().putAllRecord(detail.record()).addAllLogTail(detail.logTail());
          for (SwarmEvent event : detail.transitions()) {
            out.addTransitions(Event.newBuilder().setId(event.id()).putAllFields(event.fields()));
          }
          return out.build();
        });
  }

  @Override
  public void logs(LogsRequest request, StreamObserver<LogsReply> reply) {
    answer(
        reply,
        () -> {
          String id = service.packageIdOf(request.getPackage());
          LogPage page = service.log(id, request.getAttempt(), request.getFrom());
          return LogsReply.newBuilder()
              .setPackageId(id)
              .setAttempt(page.attempt())
              .addAllChunks(page.chunks())
              .setNext(page.next())
              .setState(page.state())
              .build();
        });
  }

  @Override
  public void drones(DronesRequest request, StreamObserver<DronesReply> reply) {
    answer(
        reply,
        () -> {
          DronesReply.Builder out = DronesReply.newBuilder();
          for (DroneBucket d : service.drones()) {
            out.addDrones(
                DroneInfo.newBuilder()
                    .setName(d.name())
                    .setHost(d.host())
                    .setState(d.state())
                    .setCores(d.cores())
                    .setSlots(d.slots())
                    .addAllRunning(d.running())
                    .setVersion(d.version())
                    .setLastHeartbeatMs(d.lastHeartbeatMs())
                    .setBuilt(d.built())
                    .setFailed(d.failed())
                    .setGroundedReason(d.groundedReason())
                    .setDraining(d.draining())
                    .setLoadAverage(d.loadAverage())
                    .setFreeDiskBytes(d.freeDiskBytes())
                    .setMemoryAvailableBytes(d.memoryAvailableBytes())
                    .putAllCapabilities(d.capabilities())
                    .setSpeedFactor(d.speedFactor()));
          }
          return out.build();
        });
  }
}

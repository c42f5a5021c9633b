package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.domain.EnqueueOutcome;
import dev.buildswarm.coordinator.domain.SwarmStatus;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.EnqueueReply;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.EnqueueResult;
import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The operator's API over gRPC; a thin adapter over {@link SwarmService}. Thread-safe. */
public final class AdminServiceEndpoint extends AdminServiceGrpc.AdminServiceImplBase {
  private final SwarmService service;

  public AdminServiceEndpoint(SwarmService service) {
    this.service = service;
  }

  @Override
  public void enqueue(EnqueueRequest request, StreamObserver<EnqueueReply> reply) {
    List<EnqueueOutcome> outcomes;
    try {
      outcomes = service.enqueue(request.getAtomsList(), request.getPriority());
    } catch (RuntimeException e) {
      reply.onError(GrpcErrors.toStatus(e));
      return;
    }
    EnqueueReply.Builder out = EnqueueReply.newBuilder();
    for (EnqueueOutcome outcome : outcomes) {
      out.addResults(
          EnqueueResult.newBuilder()
              .setAtom(outcome.atom())
              .setPackageId(outcome.packageId())
              .setQueued(outcome.queued())
              .setExistingState(outcome.queued() ? "" : outcome.state()));
    }
    reply.onNext(out.build());
    reply.onCompleted();
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusReply> reply) {
    SwarmStatus status;
    try {
      status = service.status();
    } catch (RuntimeException e) {
      reply.onError(GrpcErrors.toStatus(e));
      return;
    }
    reply.onNext(
        StatusReply.newBuilder()
            .putAllPackagesByState(status.packagesByState())
            .putAllDronesByState(status.dronesByState())
            .setCoresActive(status.coresActive())
            .setCoresTotal(status.coresTotal())
            .setSwarmState(status.swarmState())
            .build());
    reply.onCompleted();
  }
}

package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.DroneRegistration;
import dev.buildswarm.coordinator.domain.DroneVitals;
import dev.buildswarm.coordinator.domain.FailureClass;
import dev.buildswarm.coordinator.drones.BuildReport;
import dev.buildswarm.coordinator.queue.EnqueueItem;
import dev.buildswarm.proto.v1.BuildFinished;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.Heartbeat;
import dev.buildswarm.proto.v1.QueueItem;
import dev.buildswarm.proto.v1.Register;
import java.util.ArrayList;
import java.util.List;

/**
 * Proto messages to domain values, in one place. Each either gives a valid domain value or throws
 * IllegalArgumentException naming the input (which the endpoints answer as INVALID_ARGUMENT).
 */
final class ProtoMapping {
  private ProtoMapping() {}

  /** An unclassified failure is taken as PERMANENT: never retry what nobody judged retryable. */
  static FailureClass failureClass(dev.buildswarm.proto.v1.FailureClass wire) {
    return switch (wire) {
      case TRANSIENT -> FailureClass.TRANSIENT;
      case DRONE -> FailureClass.DRONE;
      case PERMANENT, FAILURE_CLASS_UNSPECIFIED, UNRECOGNIZED -> FailureClass.PERMANENT;
    };
  }

  static DroneRegistration registration(Register r) {
    return new DroneRegistration(
        r.getName(), r.getHost(), r.getCores(), r.getSlots(), r.getSpeedFactor(), r.getVersion(), r.getCapabilitiesMap());
  }

  static DroneVitals vitals(Heartbeat beat) {
    return new DroneVitals(beat.getLoadAverage(), beat.getFreeDiskBytes(), beat.getMemoryAvailableBytes());
  }

  static BuildReport report(BuildFinished f) {
    return new BuildReport(
        f.getPackageId(),
        f.getToken(),
        f.getSuccess(),
        f.getDurationMs(),
        f.getReason(),
        f.getAbandoned(),
        failureClass(f.getFailureClass()),
        f.getArtifactsCount());
  }

  static Artifact artifact(dev.buildswarm.proto.v1.Artifact a) {
    return new Artifact(a.getName(), a.getSize(), a.getSha256());
  }

  /** The request's items as given, unvalidated: the service checks them all before queueing any. */
  static List<EnqueueItem> enqueueItems(EnqueueRequest request) {
    List<EnqueueItem> items = new ArrayList<>();
    for (String atom : request.getAtomsList()) {
      items.add(new EnqueueItem(atom, request.getAfterList()));
    }
    for (QueueItem item : request.getItemsList()) {
      items.add(new EnqueueItem(item.getAtom(), item.getAfterList(), item.hasPriority() ? item.getPriority() : null));
    }
    return items;
  }
}

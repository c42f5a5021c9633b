package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.domain.FailureClass;

/** Proto values to domain values, where the mapping is a decision. */
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
}

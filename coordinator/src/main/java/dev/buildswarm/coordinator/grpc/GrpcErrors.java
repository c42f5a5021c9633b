package dev.buildswarm.coordinator.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where exceptions from the service layer become gRPC statuses. */
final class GrpcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(RuntimeException e) {
    if (e instanceof StatusRuntimeException already) {
      return already;
    }
    if (e instanceof IllegalArgumentException) {
      // Bad input: the message names the input and says what is wrong.
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    LOG.error("internal error serving a call", e);
    return Status.UNAVAILABLE
        .withDescription("coordinator could not serve the call: " + e)
        .asRuntimeException();
  }
}

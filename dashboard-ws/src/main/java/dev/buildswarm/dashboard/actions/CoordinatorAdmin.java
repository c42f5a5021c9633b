package dev.buildswarm.dashboard.actions;

import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.DroneOrder;
import dev.buildswarm.proto.v1.OrderDroneReply;
import dev.buildswarm.proto.v1.OrderDroneRequest;
import dev.buildswarm.proto.v1.PackageReply;
import dev.buildswarm.proto.v1.PackageRequest;
import dev.buildswarm.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The coordinator's admin API as the dashboard uses it: a gRPC client, one channel, created on the
 * first action. Blocking calls (callers run on a blocking executor, never an event loop), each with
 * a deadline. gRPC statuses become HTTP statuses here, in one table. Thread-safe.
 */
public final class CoordinatorAdmin implements AutoCloseable {
  private static final long DEADLINE_SECONDS = 10;
  private final String target;
  private final String token;
  private final ClientTls tls;
  private volatile ManagedChannel channel;

  /** {@code target} is {@code host:port} of any coordinator's gRPC port. */
  public CoordinatorAdmin(String target) {
    this(target, "", ClientTls.PLAINTEXT);
  }

  /**
   * With the operator token the coordinator asks for ({@code buildswarm.operator-tokens} there),
   * sent with every call; empty for a coordinator that asks for none. Over TLS as {@code tls} says
   * (its files are checked now, so a wrong one stops the dashboard at start-up).
   */
  public CoordinatorAdmin(String target, String token, ClientTls tls) {
    this.target = ClientTls.address(target);
    this.token = token == null ? "" : token.strip();
    this.tls = tls;
    tls.credentials();
  }

  private AdminServiceGrpc.AdminServiceBlockingStub stub() {
    ManagedChannel current = channel;
    if (current == null) {
      synchronized (this) {
        if (channel == null) {
          NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target, tls.credentials());
          if (!token.isEmpty()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
          }
          channel = builder.build();
        }
        current = channel;
      }
    }
    return AdminServiceGrpc.newBlockingStub(current).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public ActionResult retry(String packageId) {
    return call(() -> describe(stub().retry(PackageRequest.newBuilder().setPackage(packageId).build())));
  }

  public ActionResult cancel(String packageId, String reason) {
    return call(
        () -> describe(stub().cancel(PackageRequest.newBuilder().setPackage(packageId).setReason(reason).build())));
  }

  public ActionResult order(String drone, DroneOrder order, String reason) {
    return call(
        () -> {
          OrderDroneReply reply =
              stub().orderDrone(OrderDroneRequest.newBuilder().setDrone(drone).setOrder(order).setReason(reason).build());
          // ground -> grounded, undrain -> undrained, ...
          return drone + ": " + (reply.getChanged() ? "" : "already ") + order.name().toLowerCase() + "ed";
        });
  }

  private static String describe(PackageReply reply) {
    return "#" + reply.getPackageId() + " " + reply.getOutcome();
  }

  /**
   * gRPC status → HTTP status: the caller's mistakes (bad input, wrong state, unknown name) pass
   * through with the coordinator's message; a coordinator that cannot be reached is a 502.
   */
  private static ActionResult call(Supplier<String> rpc) {
    try {
      return new ActionResult(200, rpc.get());
    } catch (StatusRuntimeException e) {
      int http =
          switch (e.getStatus().getCode()) {
            case INVALID_ARGUMENT -> 400;
            case NOT_FOUND -> 404;
            case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED, UNAUTHENTICATED -> 403;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> 502;
            default -> 500;
          };
      String description = e.getStatus().getDescription();
      return new ActionResult(http, description != null ? description : e.getStatus().getCode().toString());
    }
  }

  @Override
  public void close() {
    ManagedChannel current = channel;
    if (current != null) {
      current.shutdownNow();
    }
  }
}

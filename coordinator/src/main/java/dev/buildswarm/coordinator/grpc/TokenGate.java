package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.tokens.AcceptedTokens;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The credential on one gRPC service: every call must carry {@code authorization: Bearer <token>}
 * with a token of its kind (drone tokens on DroneService, operator tokens on AdminService). A call
 * without one ends UNAUTHENTICATED before any handler runs; the answer never echoes the token.
 * Thread-safe.
 */
public final class TokenGate implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AcceptedTokens accepted;
  private final String refusal;

  /** @param kind what the caller must present, e.g. {@code a drone token} */
  public TokenGate(AcceptedTokens accepted, String kind) {
    this.accepted = accepted;
    this.refusal = "this coordinator needs " + kind + " (authorization: Bearer <token>); none or a wrong one was given";
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!accepted.accepts(AcceptedTokens.fromAuthorization(headers.get(AUTHORIZATION)))) {
      call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}

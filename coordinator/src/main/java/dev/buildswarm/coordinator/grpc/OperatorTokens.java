package dev.buildswarm.coordinator.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The operator's credential on the admin API: with tokens configured, every admin call must carry
 * {@code authorization: Bearer <token>} naming one of them (compared in constant time, never
 * logged); without any configured, the admin API is open, as before (see docs/architecture.md).
 */
public final class OperatorTokens implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final List<byte[]> accepted;

  /** @param tokens the accepted operator tokens; empty: no credential asked for */
  public OperatorTokens(List<String> tokens) {
    this.accepted =
        tokens.stream().map(String::strip).filter(t -> !t.isEmpty()).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
  }

  public boolean required() {
    return !accepted.isEmpty();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (required() && !accepts(headers.get(AUTHORIZATION))) {
      call.close(
          Status.UNAUTHENTICATED.withDescription("this coordinator needs an operator token, and none or a wrong one was given"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private boolean accepts(String header) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (byte[] token : accepted) {
      // Every token compared, each in constant time: the answer's timing tells nothing.
      match |= MessageDigest.isEqual(token, given);
    }
    return match;
  }
}

package dev.buildswarm.drone.client;

import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import dev.buildswarm.tokens.TokenSource;
import dev.buildswarm.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * The channel to one coordinator. The channel reconnects by itself; each {@link #openSession} is one
 * bidi stream. Thread-safe.
 */
public final class CoordinatorClient implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final String target;
  private final TokenSource token;

  /**
   * @param target {@code host:port} (or {@code tls://host:port}) of the coordinator's gRPC endpoint
   * @param token this drone's token, read again for every call (a rotated file is picked up at the
   *     next connection)
   * @param tls plaintext, or TLS with the CA to trust and this drone's certificate
   * @throws IllegalArgumentException naming a TLS file that cannot be read
   */
  public CoordinatorClient(String target, TokenSource token, ClientTls tls) {
    this.target = ClientTls.address(target);
    this.token = token;
    this.channel =
        NettyChannelBuilder.forTarget(this.target, tls.credentials())
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .build();
  }

  public String target() {
    return target;
  }

  /**
   * Opens a session stream; {@code incoming} receives the coordinator's messages.
   *
   * @throws IllegalStateException when the token file cannot be read
   */
  public StreamObserver<DroneMessage> openSession(StreamObserver<CoordinatorMessage> incoming) {
    return stub().session(incoming);
  }

  /** Opens an upload stream (DroneService.UploadArtifacts); {@code reply} receives the answer. */
  public StreamObserver<UploadPart> openUpload(StreamObserver<UploadReply> reply) {
    return stub().uploadArtifacts(reply);
  }

  private DroneServiceGrpc.DroneServiceStub stub() {
    Metadata headers = new Metadata();
    String current = token.current();
    if (!current.isEmpty()) {
      headers.put(AUTHORIZATION, "Bearer " + current);
    }
    return DroneServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.buildswarm.drone.client;

import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import dev.buildswarm.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * The channel to one coordinator. The channel reconnects by itself; each {@link #openSession} is one
 * bidi stream. Thread-safe.
 */
public final class CoordinatorClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final String target;

  /**
   * @param target {@code host:port} (or {@code tls://host:port}) of the coordinator's gRPC endpoint
   * @param tls plaintext, or TLS with the CA to trust and this drone's certificate
   * @throws IllegalArgumentException naming a TLS file that cannot be read
   */
  public CoordinatorClient(String target, ClientTls tls) {
    this.target = ClientTls.address(target);
    this.channel =
        NettyChannelBuilder.forTarget(this.target, tls.credentials())
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .build();
  }

  public String target() {
    return target;
  }

  /** Opens a session stream; {@code incoming} receives the coordinator's messages. */
  public StreamObserver<DroneMessage> openSession(StreamObserver<CoordinatorMessage> incoming) {
    return DroneServiceGrpc.newStub(channel).session(incoming);
  }

  /** Opens an upload stream (DroneService.UploadArtifacts); {@code reply} receives the answer. */
  public StreamObserver<UploadPart> openUpload(StreamObserver<UploadReply> reply) {
    return DroneServiceGrpc.newStub(channel).uploadArtifacts(reply);
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

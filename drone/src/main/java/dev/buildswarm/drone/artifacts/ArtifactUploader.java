package dev.buildswarm.drone.artifacts;

import com.google.protobuf.ByteString;
import dev.buildswarm.proto.v1.Artifact;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import dev.buildswarm.proto.v1.UploadStart;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Uploads a build's binary packages to the coordinator, under the build's lease. */
public final class ArtifactUploader {
  static final int CHUNK_BYTES = 1 << 20;

  private final Function<StreamObserver<UploadReply>, StreamObserver<UploadPart>> open;
  private final Duration timeout;

  /**
   * @param open opens an upload stream (DroneService.UploadArtifacts) given the reply's observer
   * @param timeout the longest one upload may take
   */
  public ArtifactUploader(Function<StreamObserver<UploadReply>, StreamObserver<UploadPart>> open, Duration timeout) {
    this.open = open;
    this.timeout = timeout;
  }

  /**
   * Sends the files (start, then each file's bytes) and waits for the coordinator's answer.
   *
   * @return what the coordinator stored
   * @throws IOException naming why it was not stored
   */
  public List<Artifact> upload(String drone, String packageId, long token, List<PkgdirSnapshot.Found> files)
      throws IOException, InterruptedException {
    CompletableFuture<UploadReply> answer = new CompletableFuture<>();
    StreamObserver<UploadPart> out =
        open.apply(
            new StreamObserver<>() {
              @Override
              public void onNext(UploadReply reply) {
                answer.complete(reply);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                answer.completeExceptionally(new IOException("the coordinator ended the upload without an answer"));
              }
            });
    List<Artifact> announced = new ArrayList<>();
    for (PkgdirSnapshot.Found f : files) {
      announced.add(Artifact.newBuilder().setName(f.name()).setSize(f.size()).setSha256(f.sha256()).build());
    }
    try {
      out.onNext(
          UploadPart.newBuilder()
              .setStart(
                  UploadStart.newBuilder().setDrone(drone).setPackageId(packageId).setToken(token).addAllFiles(announced))
              .build());
      byte[] buffer = new byte[CHUNK_BYTES];
      for (PkgdirSnapshot.Found f : files) {
        try (InputStream in = Files.newInputStream(f.path())) {
          int n;
          while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0 && !answer.isDone()) {
            out.onNext(UploadPart.newBuilder().setChunk(ByteString.copyFrom(buffer, 0, n)).build());
          }
        }
      }
      out.onCompleted();
    } catch (IOException | RuntimeException e) {
      out.onError(Status.CANCELLED.withDescription("drone could not read its files: " + e).asRuntimeException());
      throw e instanceof IOException io ? io : new IOException(e);
    }
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS).getStoredList();
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      if (status.getCode() == Status.Code.UNAVAILABLE && !String.valueOf(status.getDescription()).startsWith("upload failed")) {
        throw new Unreachable("coordinator unreachable: " + status.getDescription());
      }
      throw new IOException("coordinator refused the upload: " + status.getCode() + ": " + status.getDescription(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("upload not answered within " + timeout.toSeconds() + " s");
    }
  }

  /** The coordinator could not be reached: worth trying again, unlike a refusal. */
  public static final class Unreachable extends IOException {
    public Unreachable(String message) {
      super(message);
    }
  }
}

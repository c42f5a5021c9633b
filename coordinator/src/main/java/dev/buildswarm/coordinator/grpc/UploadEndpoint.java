package dev.buildswarm.coordinator.grpc;

import dev.buildswarm.coordinator.binhost.ArtifactStore;
import dev.buildswarm.coordinator.binhost.BinhostHook;

import dev.buildswarm.coordinator.domain.Artifact;
import dev.buildswarm.coordinator.domain.Report;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import dev.buildswarm.proto.v1.UploadStart;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload stream (DroneService.UploadArtifacts): the lease is checked first, the files are
 * written through the {@link ArtifactStore}, and recorded for the package under that lease. Any
 * failure ends the stream with a status naming it and leaves no file behind.
 */
final class UploadEndpoint implements StreamObserver<UploadPart> {
  private static final Logger LOG = LoggerFactory.getLogger(UploadEndpoint.class);
  /** How long an upload waits for its turn to write before it is refused. */
  private static final Duration WAIT_FOR_TURN = Duration.ofMinutes(5);

  private final SwarmService service;
  private final ArtifactStore store;
  private final BinhostHook hook;
  private final StreamObserver<UploadReply> reply;
  private UploadStart start; // confined: gRPC calls a stream's observer serially
  private ArtifactStore.Upload upload;
  private boolean over;

  UploadEndpoint(SwarmService service, ArtifactStore store, BinhostHook hook, StreamObserver<UploadReply> reply) {
    this.service = service;
    this.store = store;
    this.hook = hook;
    this.reply = reply;
  }

  @Override
  public void onNext(UploadPart part) {
    if (over) {
      return;
    }
    try {
      if (upload == null) {
        begin(part);
      } else if (part.getBodyCase() == UploadPart.BodyCase.CHUNK) {
        upload.write(part.getChunk().asReadOnlyByteBuffer());
      } else {
        throw Status.INVALID_ARGUMENT.withDescription("UploadStart may come only first").asRuntimeException();
      }
    } catch (RuntimeException | IOException e) {
      fail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(Status.UNAVAILABLE.withDescription("coordinator stopping").asRuntimeException());
    }
  }

  private void begin(UploadPart part) throws InterruptedException {
    if (part.getBodyCase() != UploadPart.BodyCase.START) {
      throw Status.INVALID_ARGUMENT.withDescription("the first part of an upload must be UploadStart").asRuntimeException();
    }
    start = part.getStart();
    List<Artifact> files = new ArrayList<>();
    for (dev.buildswarm.proto.v1.Artifact a : start.getFilesList()) {
      files.add(ProtoMapping.artifact(a));
    }
    if (files.stream().map(Artifact::name).distinct().count() != files.size()) {
      throw new IllegalArgumentException("an upload names the same file twice");
    }
    if (!service.holdsLease(start.getDrone(), start.getPackageId(), start.getToken())) {
      throw Status.FAILED_PRECONDITION
          .withDescription(
              "drone " + start.getDrone() + " holds no lease on package " + start.getPackageId() + " under token "
                  + start.getToken() + ": upload refused")
          .asRuntimeException();
    }
    upload = store.begin(files, WAIT_FOR_TURN);
  }

  @Override
  public void onError(Throwable t) {
    over = true;
    if (upload != null) {
      upload.close();
    }
  }

  @Override
  public void onCompleted() {
    if (over) {
      return;
    }
    try {
      if (upload == null) {
        throw Status.INVALID_ARGUMENT.withDescription("an upload with no UploadStart").asRuntimeException();
      }
      List<Artifact> stored = upload.finish();
      Report report = service.recordArtifacts(start.getDrone(), start.getPackageId(), start.getToken(), stored);
      if (report instanceof Report.Refused refused) {
        // The files are whole and in place (a later build of the same package replaces them), but
        // they belong to no lease: the package is not done by them.
        throw Status.FAILED_PRECONDITION.withDescription("artifacts not recorded: " + refused.reason()).asRuntimeException();
      }
      over = true;
      upload.close();
      UploadReply.Builder out = UploadReply.newBuilder();
      for (Artifact a : stored) {
        out.addStored(dev.buildswarm.proto.v1.Artifact.newBuilder().setName(a.name()).setSize(a.size()).setSha256(a.sha256()));
      }
      reply.onNext(out.build());
      reply.onCompleted();
      LOG.info("stored {} binary packages of package {} from drone {}", stored.size(), start.getPackageId(), start.getDrone());
      hook.filesLanded();
    } catch (RuntimeException | IOException e) {
      fail(e);
    }
  }

  private void fail(Exception e) {
    over = true;
    if (upload != null) {
      upload.close();
    }
    StatusRuntimeException status =
        switch (e) {
          case StatusRuntimeException s -> s;
          case ArtifactStore.ChecksumMismatch m -> Status.DATA_LOSS.withDescription(m.getMessage()).asRuntimeException();
          case ArtifactStore.UploadRefused r -> Status.RESOURCE_EXHAUSTED.withDescription(r.getMessage()).asRuntimeException();
          case IllegalArgumentException bad -> Status.INVALID_ARGUMENT.withDescription(bad.getMessage()).asRuntimeException();
          default -> {
            LOG.warn("upload failed", e);
            yield Status.UNAVAILABLE.withDescription("upload failed: " + e).asRuntimeException();
          }
        };
    LOG.info("upload for package {} refused: {}", start == null ? "?" : start.getPackageId(), status.getStatus().getDescription());
    try {
      reply.onError(status);
    } catch (RuntimeException ignored) {
      // The stream is already gone.
    }
  }
}

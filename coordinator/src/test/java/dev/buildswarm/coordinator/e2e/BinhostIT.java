package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.buildswarm.coordinator.binhost.ArtifactStore;
import dev.buildswarm.coordinator.domain.Claim;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.proto.v1.Artifact;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.UploadPart;
import dev.buildswarm.proto.v1.UploadReply;
import dev.buildswarm.proto.v1.UploadStart;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binary packages from drones to the binhost and out over HTTP, with a real coordinator and Redis. */
@RealRedis
class BinhostIT {
  @TempDir Path work;
  private Path binhost;
  private EmbeddedServer server;
  private SwarmService service;
  private String target;
  private ManagedChannel channel;
  private DroneAgent drone;

  @BeforeEach
  void start(RedisEndpoint redis) {
    binhost = work.resolve("binhost");
    server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "10s",
            Map.of(
                "buildswarm.binhost.dir", binhost.toString(),
                "buildswarm.binhost.max-concurrent-uploads", 2,
                "buildswarm.binhost.hook", ""));
    service = TestSwarm.service(server);
    target = "localhost:" + TestSwarm.grpcPort(server);
    channel = TestSwarm.channel(target, TestSwarm.DRONE_TOKEN);
  }

  @AfterEach
  void stop() {
    if (drone != null) {
      drone.close();
    }
    channel.shutdownNow();
    server.close();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private HttpResponse<byte[]> get(String path, String range) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.getURL() + "/binhost/" + path));
    if (range != null) {
      request.header("Range", range);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Every file under the binhost, temporary ones included. */
  private List<String> binhostFiles() throws Exception {
    if (!Files.exists(binhost)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(binhost)) {
      return files.filter(Files::isRegularFile).map(p -> binhost.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void aDronesBinaryPackagesAreStoredAndServedByteForByte() throws Exception {
    // A builder making three packages of a few MiB (several chunks each) under PKGDIR.
    Path builder = work.resolve("builder.sh");
    Files.writeString(
        builder,
        """
        #!/usr/bin/env bash
        mkdir -p "$PKGDIR/app-misc"
        head -c 2500000 /dev/urandom > "$PKGDIR/app-misc/big-1.0.gpkg.tar"
        head -c 1048576 /dev/urandom > "$PKGDIR/app-misc/big-1.0-1.gpkg.tar"
        head -c 10 /dev/urandom > "$PKGDIR/app-misc/big-1.0.tbz2"
        head -c 99 /dev/urandom > "$PKGDIR/app-misc/other-2.0.gpkg.tar"
        echo built
        """);
    Files.setPosixFilePermissions(builder, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path pkgdir = work.resolve("pkgdir");
    drone =
        new DroneAgent(
            new DroneConfig(
                "uploader", "h", target, TestSwarm.droneToken(), 2, 1, 1.0, BuildTemplate.of(List.of(builder.toString(), "{atom}")), work, pkgdir,
                "-j2", Map.of(), Duration.ofMinutes(1), Duration.ofSeconds(1), "v", Map.of(), Duration.ZERO, 8L << 20));
    drone.start();
    assertTrue(swarm("--coordinator", target, "queue", "add", "=app-misc/big-1.0").startsWith("0\n"));
    await("the package is done", () -> "done".equals(service.packageRecord("1").get("state")));

    for (String name : List.of("app-misc/big-1.0.gpkg.tar", "app-misc/big-1.0-1.gpkg.tar", "app-misc/big-1.0.tbz2")) {
      byte[] original = Files.readAllBytes(pkgdir.resolve(name));
      HttpResponse<byte[]> served = get(name, null);
      assertEquals(200, served.statusCode(), name);
      assertEquals(sha256(original), sha256(served.body()), name + " served byte for byte");
    }
    assertEquals(List.of("app-misc/big-1.0-1.gpkg.tar", "app-misc/big-1.0.gpkg.tar", "app-misc/big-1.0.tbz2"), binhostFiles(),
        "the other package's file, not this build's, stays on the drone");
    byte[] original = Files.readAllBytes(pkgdir.resolve("app-misc/big-1.0.gpkg.tar"));
    HttpResponse<byte[]> range = get("app-misc/big-1.0.gpkg.tar", "bytes=1000-1999");
    assertEquals(206, range.statusCode());
    assertEquals("bytes 1000-1999/2500000", range.headers().firstValue("Content-Range").orElse(""));
    assertArrayEquals(Arrays.copyOfRange(original, 1000, 2000), range.body());
    assertEquals(404, get("../binhost/app-misc/big-1.0.tbz2", null).statusCode());

    String listed = swarm("--coordinator", target, "artifacts", "1");
    assertTrue(listed.startsWith("0\n") && listed.contains("app-misc/big-1.0.gpkg.tar") && listed.contains(sha256(original)), listed);
  }

  /** Sends an upload (start, then the chunks) on a raw stream; returns its reply or its status. */
  private CompletableFuture<UploadReply> upload(UploadStart start, List<byte[]> chunks, long pauseMs) {
    CompletableFuture<UploadReply> answer = new CompletableFuture<>();
    StreamObserver<UploadPart> out =
        DroneServiceGrpc.newStub(channel)
            .uploadArtifacts(
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
                  public void onCompleted() {}
                });
    Thread.ofVirtual().start(() -> {
      try {
        out.onNext(UploadPart.newBuilder().setStart(start).build());
        for (byte[] chunk : chunks) {
          out.onNext(UploadPart.newBuilder().setChunk(ByteString.copyFrom(chunk)).build());
          Thread.sleep(pauseMs);
        }
        out.onCompleted();
      } catch (Exception e) {
        out.onError(e);
      }
    });
    return answer;
  }

  private Status statusOf(CompletableFuture<UploadReply> upload) throws Exception {
    try {
      upload.get(20, TimeUnit.SECONDS);
      return Status.OK;
    } catch (java.util.concurrent.ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    }
  }

  private Claim.Claimed leased(String atom) {
    assertTrue(swarm("--coordinator", target, "queue", "add", atom).startsWith("0\n"));
    return (Claim.Claimed) service.claim("raw");
  }

  private static UploadStart start(Claim.Claimed lease, long token, String name, byte[] bytes) throws Exception {
    return UploadStart.newBuilder()
        .setDrone("raw")
        .setPackageId(lease.packageId())
        .setToken(token)
        .addFiles(Artifact.newBuilder().setName(name).setSize(bytes.length).setSha256(sha256(bytes)))
        .build();
  }

  @Test
  void badUploadsAreRefusedLeaveNothingBehindAndTheCoordinatorGoesOn() throws Exception {
    Claim.Claimed lease = leased("=app-misc/pkg-1.0");
    byte[] bytes = new byte[300_000];
    new Random(7).nextBytes(bytes);
    byte[] corrupted = bytes.clone();
    corrupted[123_456] ^= 1;

    Status mismatch = statusOf(upload(start(lease, lease.token(), "app-misc/pkg-1.0.gpkg.tar", bytes), List.of(corrupted), 0));
    assertEquals(Status.Code.DATA_LOSS, mismatch.getCode(), String.valueOf(mismatch));
    assertTrue(mismatch.getDescription().contains("sha256"), mismatch.getDescription());
    Status traversal = statusOf(upload(start(lease, lease.token(), "app-misc/../../etc/pkg-1.0.gpkg.tar", bytes), List.of(bytes), 0));
    assertEquals(Status.Code.INVALID_ARGUMENT, traversal.getCode());
    Status absolute = statusOf(upload(start(lease, lease.token(), "/etc/pkg-1.0.gpkg.tar", bytes), List.of(bytes), 0));
    assertEquals(Status.Code.INVALID_ARGUMENT, absolute.getCode());
    Status stale = statusOf(upload(start(lease, lease.token() - 1, "app-misc/pkg-1.0.gpkg.tar", bytes), List.of(bytes), 0));
    assertEquals(Status.Code.FAILED_PRECONDITION, stale.getCode());
    assertTrue(stale.getDescription().contains("holds no lease"), stale.getDescription());
    assertEquals(List.of(), binhostFiles(), "nothing left behind, not even a partial file");

    // The coordinator goes on: the same upload, whole, is stored.
    UploadReply ok = upload(start(lease, lease.token(), "app-misc/pkg-1.0.gpkg.tar", bytes), List.of(bytes), 0).get(20, TimeUnit.SECONDS);
    assertEquals("app-misc/pkg-1.0.gpkg.tar", ok.getStored(0).getName());
    assertEquals(List.of("app-misc/pkg-1.0.gpkg.tar"), binhostFiles());
    assertTrue(service.packageRecord(lease.packageId()).get("artifacts").startsWith("app-misc/pkg-1.0.gpkg.tar 300000 "));
  }

  @Test
  void atMostTwoUploadsAreWrittenAtOnce() throws Exception {
    List<CompletableFuture<UploadReply>> uploads = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Claim.Claimed lease = leased("=app-misc/slow" + i + "-1.0");
      byte[] bytes = new byte[40_000];
      new Random(i).nextBytes(bytes);
      List<byte[]> chunks = new ArrayList<>();
      for (int at = 0; at < bytes.length; at += 10_000) {
        chunks.add(Arrays.copyOfRange(bytes, at, at + 10_000));
      }
      // Each upload takes about a second: long enough to overlap with all the others.
      uploads.add(upload(start(lease, lease.token(), "app-misc/slow" + i + "-1.0.gpkg.tar", bytes), chunks, 250));
    }
    for (CompletableFuture<UploadReply> u : uploads) {
      assertEquals(1, u.get(60, TimeUnit.SECONDS).getStoredCount(), "each upload waits its turn and is stored");
    }
    ArtifactStore store = server.getApplicationContext().getBean(ArtifactStore.class);
    assertEquals(2, store.peakConcurrentUploads(), "five uploads at once, two written at a time");
    assertEquals(5, binhostFiles().size());
  }
}

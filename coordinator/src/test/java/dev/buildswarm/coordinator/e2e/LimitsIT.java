package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.QueueItem;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input over a limit gets an error naming the limit, changes nothing, and the coordinator goes on
 * serving: every case below ends with a normal request that works.
 */
@RealRedis
class LimitsIT {
  @TempDir Path work;
  private EmbeddedServer server;
  private SwarmService service;
  private String target;
  private ManagedChannel channel;
  private AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeEach
  void start(RedisEndpoint redis) {
    server = TestSwarm.coordinator(redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "30s", Map.of());
    service = TestSwarm.service(server);
    target = "localhost:" + TestSwarm.grpcPort(server);
    channel = TestSwarm.channel(target, TestSwarm.OPERATOR_TOKEN);
    admin = AdminServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private long queued() {
    return service.status().packagesByState().values().stream().mapToLong(Long::longValue).sum();
  }

  private void stillServes() {
    String added = swarm("--coordinator", target, "queue", "add", "=app-misc/still-serving-1");
    assertTrue(added.startsWith("0\n"), added);
  }

  @Test
  void anAtomOverTheLengthLimitIsNamedAndNothingIsQueued() {
    String longAtom = "=app-misc/" + "a".repeat(300) + "-1";
    String refused = swarm("--coordinator", target, "queue", "add", "=app-misc/fine-1", longAtom);
    assertTrue(refused.startsWith("2\n") && refused.contains("the limit is 256"), refused);
    assertEquals(0, queued(), "all or nothing");
    stillServes();
  }

  @Test
  void tooManyAtomsOrDependenciesInOneRequestAreRefusedWhole() {
    EnqueueRequest.Builder many = EnqueueRequest.newBuilder();
    for (int i = 0; i <= SwarmService.MAX_ATOMS_PER_ENQUEUE; i++) {
      many.addItems(QueueItem.newBuilder().setAtom("=app-misc/p" + i + "-1"));
    }
    StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> admin.enqueue(many.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
    assertTrue(tooMany.getStatus().getDescription().contains("the limit is 10000"), tooMany.getStatus().getDescription());

    QueueItem.Builder needy = QueueItem.newBuilder().setAtom("=app-misc/needy-1");
    for (int i = 0; i <= SwarmService.MAX_DEPENDENCIES_PER_ATOM; i++) {
      needy.addAfter("=app-misc/dep" + i + "-1");
    }
    StatusRuntimeException tooNeedy =
        assertThrows(StatusRuntimeException.class, () -> admin.enqueue(EnqueueRequest.newBuilder().addItems(needy).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooNeedy.getStatus().getCode());
    assertTrue(tooNeedy.getStatus().getDescription().contains("the limit is 1000 dependencies per atom"), tooNeedy.getStatus().getDescription());
    assertEquals(0, queued());
    stillServes();
  }

  @Test
  void aMessageOverTheSizeLimitIsRefusedNamingIt() {
    // 18 MiB of one request: over the 17 MiB any message may have.
    EnqueueRequest.Builder huge = EnqueueRequest.newBuilder();
    String padding = "=app-misc/" + "b".repeat(200) + "-1";
    for (int i = 0; i < 18 * 1024 * 1024 / padding.length() + 1; i++) {
      huge.addItems(QueueItem.newBuilder().setAtom(padding));
    }
    StatusRuntimeException tooBig = assertThrows(StatusRuntimeException.class, () -> admin.enqueue(huge.build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, tooBig.getStatus().getCode(), String.valueOf(tooBig.getStatus()));
    assertTrue(String.valueOf(tooBig.getStatus().getDescription()).contains("exceeds maximum size 17825792"), String.valueOf(tooBig.getStatus()));
    assertEquals(0, queued());
    stillServes();
  }

  @Test
  void anImportOverTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
    Path big = work.resolve("world.txt");
    try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
      file.setLength(65L * 1024 * 1024); // sparse: costs no disk
    }
    String refused = swarm("--coordinator", target, "queue", "import", big.toString());
    assertTrue(refused.startsWith("2\n") && refused.contains("the import limit is 64 MiB"), refused);
    assertEquals(0, queued());
    stillServes();
  }
}

package dev.buildswarm.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.DroneOrder;
import dev.buildswarm.proto.v1.OrderDroneReply;
import dev.buildswarm.proto.v1.OrderDroneRequest;
import dev.buildswarm.proto.v1.PackageReply;
import dev.buildswarm.proto.v1.PackageRequest;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operator actions: refused (403) without the configured token, and with it sent to the
 * coordinator's admin API over real gRPC. The admin server here is a stand-in that records what
 * it was asked (the dashboard's part ends at the call; the coordinator's own tests cover what the
 * calls do), reached through a real connection.
 */
@RealRedis
class DashboardActionsIT {
  private static final String TOKEN = "correct horse battery staple";
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private Server admin;
  private EmbeddedServer dashboard;

  /** Records each call; package "13" is refused as the coordinator refuses a wrong state. */
  private final class RecordingAdmin extends AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void retry(PackageRequest request, StreamObserver<PackageReply> reply) {
      calls.add("retry " + request.getPackage());
      if (request.getPackage().equals("13")) {
        reply.onError(Status.FAILED_PRECONDITION.withDescription("package 13 is building").asRuntimeException());
        return;
      }
      reply.onNext(PackageReply.newBuilder().setPackageId(request.getPackage()).setOutcome("queued").build());
      reply.onCompleted();
    }

    @Override
    public void cancel(PackageRequest request, StreamObserver<PackageReply> reply) {
      calls.add("cancel " + request.getPackage() + " (" + request.getReason() + ")");
      reply.onNext(PackageReply.newBuilder().setPackageId(request.getPackage()).setOutcome("cancelled (was building on d1)").build());
      reply.onCompleted();
    }

    @Override
    public void orderDrone(OrderDroneRequest request, StreamObserver<OrderDroneReply> reply) {
      calls.add(request.getOrder() + " " + request.getDrone() + " (" + request.getReason() + ")");
      reply.onNext(OrderDroneReply.newBuilder().setChanged(true).setGrounded(request.getOrder() == DroneOrder.GROUND).build());
      reply.onCompleted();
    }
  }

  @BeforeEach
  void startAdmin() throws Exception {
    admin = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new RecordingAdmin()).build().start();
  }

  @AfterEach
  void stop() {
    if (dashboard != null) {
      dashboard.close();
    }
    admin.shutdownNow();
  }

  private void startDashboard(RedisEndpoint endpoint, String token) {
    dashboard =
        ApplicationContext.run(
            EmbeddedServer.class,
            Map.of(
                "micronaut.server.port", -1,
                "buildswarm.redis-url", endpoint.url(),
                "buildswarm.swarm", endpoint.swarm(),
                "buildswarm.dashboard.coordinator", "127.0.0.1:" + admin.getPort(),
                "buildswarm.dashboard.operator-token", token),
            DashboardMain.ENVIRONMENT);
  }

  private HttpResponse<String> post(String path, String token, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(dashboard.getURL() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("X-Buildswarm-Operator-Token", token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(dashboard.getURL() + path)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void withoutAConfiguredTokenEveryActionIsRefusedAndNothingReachesTheCoordinator(RedisEndpoint endpoint) throws Exception {
    startDashboard(endpoint, "");
    assertTrue(get("/api/config").contains("\"actions\":false"), get("/api/config"));
    for (String path : List.of("/api/packages/1/retry", "/api/packages/1/cancel", "/api/drones/d1/ground",
        "/api/drones/d1/unground", "/api/drones/d1/drain")) {
      HttpResponse<String> answer = post(path, "anything", "{}");
      assertEquals(403, answer.statusCode(), path);
      assertTrue(answer.body().contains("read-only"), answer.body());
    }
    assertEquals(403, post("/api/operator", "anything", "").statusCode());
    assertEquals(List.of(), calls);
  }

  @Test
  void withTheTokenActionsGoThroughTheAdminApiAndWithoutItTheyAreRefused(RedisEndpoint endpoint) throws Exception {
    startDashboard(endpoint, TOKEN);
    assertTrue(get("/api/config").contains("\"actions\":true"));
    assertEquals(403, post("/api/packages/5/retry", null, "{}").statusCode());
    assertEquals(403, post("/api/packages/5/retry", "wrong", "{}").statusCode());
    assertEquals(403, post("/api/operator", "wrong", "").statusCode());
    assertEquals(List.of(), calls);

    assertEquals(204, post("/api/operator", TOKEN, "").statusCode());
    HttpResponse<String> retried = post("/api/packages/5/retry", TOKEN, "{}");
    assertEquals(200, retried.statusCode(), retried.body());
    assertTrue(retried.body().contains("#5 queued"), retried.body());
    assertEquals(200, post("/api/packages/6/cancel", TOKEN, "{\"reason\":\"wrong USE flags\"}").statusCode());
    assertEquals(200, post("/api/drones/d1/ground", TOKEN, "{\"reason\":\"disk check\"}").statusCode());
    assertEquals(200, post("/api/drones/d1/unground", TOKEN, "{}").statusCode());
    assertEquals(200, post("/api/drones/d1/drain", TOKEN, "{}").statusCode());
    assertEquals(
        List.of("retry 5", "cancel 6 (wrong USE flags)", "GROUND d1 (disk check)", "UNGROUND d1 (from the dashboard)",
            "DRAIN d1 (from the dashboard)"),
        calls);

    HttpResponse<String> refused = post("/api/packages/13/retry", TOKEN, "{}");
    assertEquals(409, refused.statusCode());
    assertTrue(refused.body().contains("package 13 is building"), refused.body());
    assertEquals(404, post("/api/drones/d1/explode", TOKEN, "{}").statusCode());
  }
}

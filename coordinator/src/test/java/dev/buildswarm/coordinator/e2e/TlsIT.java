package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.EmbeddedDashboard;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.proto.v1.CoordinatorMessage;
import dev.buildswarm.proto.v1.DroneMessage;
import dev.buildswarm.proto.v1.DroneServiceGrpc;
import dev.buildswarm.proto.v1.Register;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import dev.buildswarm.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A swarm over TLS: the coordinator's gRPC with mutual TLS for drones and HTTPS, certificates made
 * at test time by {@code deploy-scripts/make-test-ca} (so the script is tested too).
 */
@RealRedis
class TlsIT {
  @TempDir static Path certs;
  @TempDir Path work;
  private EmbeddedServer server;
  private SwarmService service;
  private String target;
  private final List<DroneAgent> drones = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    Process p =
        new ProcessBuilder(TestSwarm.ROOT.resolve("deploy-scripts/make-test-ca").toString(), certs.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "make-test-ca: " + out);
  }

  private static String file(String name) {
    return certs.resolve(name).toString();
  }

  @BeforeEach
  void start(RedisEndpoint redis) {
    Map<String, Object> tls = new HashMap<>();
    tls.put("buildswarm.grpc.tls.cert", file("coordinator.pem"));
    tls.put("buildswarm.grpc.tls.key", file("coordinator.key"));
    tls.put("buildswarm.grpc.tls.client-ca", file("ca.pem"));
    tls.put("micronaut.server.ssl.enabled", true);
    tls.put("micronaut.server.ssl.port", -1);
    tls.put("micronaut.server.ssl.key-store.certificate-path", "file:" + file("coordinator.pem"));
    tls.put("micronaut.server.ssl.key-store.key-path", "file:" + file("coordinator.key"));
    // The dashboard inside, over HTTPS with the same certificate, acting over gRPC with TLS.
    tls.put("buildswarm.dashboard.embedded", true);
    tls.put("buildswarm.dashboard.port", -1);
    tls.put("buildswarm.dashboard.operator-token", TestSwarm.OPERATOR_TOKEN);
    server = TestSwarm.coordinator(redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "10s", tls);
    service = TestSwarm.service(server);
    target = "localhost:" + TestSwarm.grpcPort(server);
  }

  @AfterEach
  void stop() {
    drones.forEach(DroneAgent::close);
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
  }

  private DroneAgent drone(String name, ClientTls tls) {
    DroneAgent drone =
        new DroneAgent(
            new DroneConfig(
                name, "localhost", target, TestSwarm.droneToken(), 2, 1, 1.0, BuildTemplate.of(List.of(TestSwarm.FAKE_EMERGE, "{atom}")),
                work, work.resolve("binpkgs-" + name), "-j2", Map.of("FAKE_EMERGE_SECONDS", "0.1"),
                Duration.ofMinutes(1), Duration.ofSeconds(2), "test", Map.of("profile", "test/profile"),
                Duration.ZERO, 8L << 20, tls));
    drones.add(drone);
    drone.start();
    return drone;
  }

  private static ClientTls droneTls(String certName) {
    return new ClientTls(
        true, Path.of(file("ca.pem")), Path.of(file(certName + ".pem")), Path.of(file(certName + ".key")));
  }

  /** Opens a drone session by hand and returns how the coordinator ended it. */
  private Status rawSession(ClientTls tls) throws Exception {
    // With the right drone token: what is refused here is the certificate.
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(target, tls.credentials()).intercept(TestSwarm.bearer(TestSwarm.DRONE_TOKEN)).build();
    channels.add(channel);
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<DroneMessage> out =
        DroneServiceGrpc.newStub(channel)
            .session(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CoordinatorMessage value) {
                    if (value.hasRegistered()) {
                      ended.complete(Status.OK.withDescription("registered"));
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(Status.OK);
                  }
                });
    out.onNext(
        DroneMessage.newBuilder()
            .setRegister(Register.newBuilder().setName("intruder").setHost("localhost").setCores(1).setSlots(1).setProtocolVersion(1))
            .build());
    return ended.get(20, TimeUnit.SECONDS);
  }

  private static HttpClient https() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(file("ca.pem")))) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).build();
  }

  private String httpsUrl(String path) {
    return "https://localhost:" + server.getPort() + path;
  }

  @Test
  void twoDronesOverMutualTlsBuildEveryPackageAndTheBinhostServesThemOverHttps() throws Exception {
    DroneAgent a = drone("drone-a", droneTls("drone-a"));
    DroneAgent b = drone("drone-b", droneTls("drone-b"));
    assertTrue(a.awaitRegistered(Duration.ofSeconds(10)), "drone-a registered over mutual TLS");
    assertTrue(b.awaitRegistered(Duration.ofSeconds(10)), "drone-b registered over mutual TLS");

    List<String> add = new ArrayList<>(List.of("--coordinator", target, "--tls-ca", file("ca.pem"), "queue", "add"));
    for (int i = 0; i < 6; i++) {
      add.add("=app-misc/tls" + i + "-1.0");
    }
    String added = swarm(add.toArray(String[]::new));
    assertTrue(added.startsWith("0\n") && added.contains("6 queued"), added);
    await("all six are done", () -> service.status().packagesByState().get("done") == 6L);
    Map<String, Long> built = new HashMap<>();
    await("both drones' counters add up", () -> {
      service.drones().forEach(d -> built.put(d.name(), d.built()));
      return built.values().stream().mapToLong(Long::longValue).sum() == 6L;
    });
    assertTrue(built.get("drone-a") > 0 && built.get("drone-b") > 0, "both drones built: " + built);

    String status = swarm("--coordinator", "tls://" + target, "--tls-ca", file("ca.pem"), "status");
    assertTrue(status.startsWith("0\n") && status.contains("done 6"), status);

    HttpClient client = https();
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(httpsUrl("/health"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
    HttpResponse<byte[]> pkg = client.send(
        HttpRequest.newBuilder(URI.create(httpsUrl("/binhost/app-misc/tls0-1.0.gpkg.tar"))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, pkg.statusCode(), "the binhost answers over HTTPS");
    assertTrue(pkg.body().length > 0);

    // The HTTPS port speaks no plaintext HTTP, and a client not trusting the CA is refused.
    assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString()));
    assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(httpsUrl("/health"))).build(), HttpResponse.BodyHandlers.ofString()));
  }

  @Test
  void theEmbeddedDashboardServesHttpsAndActsThroughTheTlsAdminApi() throws Exception {
    DroneAgent drone = drone("drone-a", droneTls("drone-a"));
    assertTrue(drone.awaitRegistered(Duration.ofSeconds(10)));
    int port = server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow().port();
    HttpClient client = https();
    HttpResponse<String> page = client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("buildswarm"), "the dashboard's page");

    HttpResponse<String> grounded = client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/drones/drone-a/ground"))
            .header("Content-Type", "application/json")
            .header("X-Buildswarm-Operator-Token", TestSwarm.OPERATOR_TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"disk check\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, grounded.statusCode(), grounded.body());
    await("the drone is grounded", () -> service.drones().stream().anyMatch(d -> d.name().equals("drone-a") && !d.groundedReason().isEmpty()));
  }

  @Test
  void aDroneWithoutACertificateIsRefusedAndToldWhy() throws Exception {
    ClientTls noCertificate = new ClientTls(true, Path.of(file("ca.pem")), null, null);
    DroneAgent drone = drone("no-cert", noCertificate);
    assertFalse(drone.awaitRegistered(Duration.ofSeconds(3)), "a drone without a certificate never registers");

    Status status = rawSession(noCertificate);
    assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
    assertTrue(status.getDescription().contains("presented no client certificate"), status.toString());
    assertTrue(service.drones().stream().noneMatch(d -> d.name().equals("no-cert") || d.name().equals("intruder")));
  }

  @Test
  void aDroneWithACertificateFromAnotherCaIsRefused() throws Exception {
    DroneAgent drone = drone("rogue", droneTls("rogue-drone"));
    assertFalse(drone.awaitRegistered(Duration.ofSeconds(3)), "a drone with a rogue certificate never registers");

    // The coordinator names the drone CA in its certificate request, so the client has no
    // certificate to offer: the connection is up, and the drone service refuses it.
    Status status = rawSession(droneTls("rogue-drone"));
    assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
    assertTrue(status.getDescription().contains("signed by the swarm's drone CA"), status.toString());
    assertTrue(service.drones().isEmpty(), "no drone got in: " + service.drones());
  }

  @Test
  void plaintextClientsAgainstTheTlsPortFailClearly() throws Exception {
    DroneAgent drone = drone("plain", ClientTls.PLAINTEXT);
    assertFalse(drone.awaitRegistered(Duration.ofSeconds(3)), "a plaintext drone never registers");
    assertEquals(Status.Code.UNAVAILABLE, rawSession(ClientTls.PLAINTEXT).getCode());

    String cli = swarm("--coordinator", target, "status");
    assertTrue(cli.startsWith("3\n") && cli.contains("cannot reach the coordinator"), cli);
    assertTrue(cli.contains("if the coordinator serves TLS, give the CA file to trust (--tls-ca)"), cli);

    // A CLI trusting the wrong CA is told it is about TLS.
    String wrongCa = swarm("--coordinator", target, "--tls-ca", file("rogue-ca.pem"), "status");
    assertTrue(wrongCa.startsWith("3\n") && wrongCa.contains("TLS:"), wrongCa);
  }
}

package dev.buildswarm.coordinator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.EmbeddedDashboard;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import dev.buildswarm.tokens.TokenSource;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.web.router.Router;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nobody joins or drives the swarm without the right credential: every gRPC method and every HTTP
 * route the coordinator (and its embedded dashboard) registers is called without one, with the
 * wrong kind, and with the right kind. A method or route added later without a gate fails here.
 */
@RealRedis
class AccessIT {
  private static final String READER = "test-reader-token-0123456789";
  private static final String DRONE_SERVICE = "buildswarm.v1.DroneService";
  private static final String ADMIN_SERVICE = "buildswarm.v1.AdminService";

  @TempDir Path work;
  private EmbeddedServer server;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Everything logged while a test runs, on any thread: no token may be in it. */
  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
      new ch.qos.logback.core.read.ListAppender<>();

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @BeforeEach
  void start(RedisEndpoint redis) throws Exception {
    logged.start();
    rootLogger().addAppender(logged);
    Path droneTokens = work.resolve("drone-tokens");
    Files.writeString(droneTokens, TestSwarm.DRONE_TOKEN + "\n");
    server =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "30s",
            Map.of(
                "buildswarm.drone-tokens", "",
                "buildswarm.drone-tokens-file", droneTokens.toString(),
                "buildswarm.reader-tokens", READER,
                "buildswarm.dashboard.embedded", true,
                "buildswarm.dashboard.port", 0,
                "buildswarm.dashboard.operator-token", TestSwarm.OPERATOR_TOKEN));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    server.close();
    rootLogger().detachAppender(logged);
    List<String> tokens =
        List.of(TestSwarm.DRONE_TOKEN, TestSwarm.OPERATOR_TOKEN, READER, "guessed-token-0123456789", "rotated-drone-token-0123456789");
    for (ch.qos.logback.classic.spi.ILoggingEvent event : logged.list) {
      String text = event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(event.getThrowableProxy()));
      for (String token : tokens) {
        assertFalse(text.contains(token), "a token was logged: " + text);
      }
    }
    assertTrue(logged.list.size() > 0, "the log was captured");
  }

  @Test
  void everyGrpcMethodNeedsATokenOfItsOwnKind() throws Exception {
    String target = "localhost:" + TestSwarm.grpcPort(server);
    ManagedChannel bare = TestSwarm.channel(target, null);
    ManagedChannel asDrone = TestSwarm.channel(target, TestSwarm.DRONE_TOKEN);
    ManagedChannel asOperator = TestSwarm.channel(target, TestSwarm.OPERATOR_TOKEN);
    ManagedChannel asReader = TestSwarm.channel(target, READER);
    ManagedChannel guessing = TestSwarm.channel(target, "guessed-token-0123456789");
    closing.addAll(List.of(bare::shutdownNow, asDrone::shutdownNow, asOperator::shutdownNow, asReader::shutdownNow, guessing::shutdownNow));

    TreeSet<String> checked = new TreeSet<>();
    for (ServerServiceDefinition service : server.getApplicationContext().getBean(GrpcServer.class).services()) {
      String name = service.getServiceDescriptor().getName();
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        String full = method.getMethodDescriptor().getFullMethodName();
        assertEquals(Status.Code.UNAUTHENTICATED, call(bare, method), full + " without a token");
        assertEquals(Status.Code.UNAUTHENTICATED, call(guessing, method), full + " with a wrong token");
        assertEquals(Status.Code.UNAUTHENTICATED, call(asReader, method), full + " with a reader token");
        ManagedChannel right = name.equals(DRONE_SERVICE) ? asDrone : asOperator;
        ManagedChannel wrongKind = name.equals(DRONE_SERVICE) ? asOperator : asDrone;
        assertTrue(name.equals(DRONE_SERVICE) || name.equals(ADMIN_SERVICE), "a service this test does not know: " + name);
        assertEquals(Status.Code.UNAUTHENTICATED, call(wrongKind, method), full + " with the other kind of token");
        assertNotEquals(Status.Code.UNAUTHENTICATED, call(right, method), full + " with its own kind of token");
        checked.add(full);
      }
    }
    assertTrue(checked.contains(DRONE_SERVICE + "/Session") && checked.contains(DRONE_SERVICE + "/UploadArtifacts"), checked.toString());
    assertTrue(checked.stream().filter(m -> m.startsWith(ADMIN_SERVICE)).count() >= 10, checked.toString());
  }

  /** One call of {@code method} with its default request; how it ended (DEADLINE_EXCEEDED: it was let in). */
  @SuppressWarnings("unchecked")
  private static Status.Code call(ManagedChannel channel, ServerMethodDefinition<?, ?> definition) throws Exception {
    MethodDescriptor<Object, Object> method = (MethodDescriptor<Object, Object>) definition.getMethodDescriptor();
    Object request = method.parseRequest(new ByteArrayInputStream(new byte[0]));
    ClientCall<Object, Object> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return closed.get(10, TimeUnit.SECONDS).getCode();
  }

  @Test
  void everyHttpRouteButHealthNeedsAReaderOrOperatorToken() throws Exception {
    EmbeddedDashboard dashboard =
        server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow();
    List<String> coordinatorRoutes = probes(server.getApplicationContext(), "/binhost/app-misc/x-1.gpkg.tar", "/metrics", "/no-such-route");
    List<String> dashboardRoutes = probes(dashboard.context(), "/ws", "/assets/dashboard.js", "/no-such-route");
    assertTrue(coordinatorRoutes.stream().anyMatch(r -> r.startsWith("GET /binhost/")), coordinatorRoutes.toString());
    assertTrue(dashboardRoutes.contains("POST /api/packages/x/x"), dashboardRoutes.toString());

    checkRoutes("http://127.0.0.1:" + server.getPort(), coordinatorRoutes, TestSwarm.OPERATOR_TOKEN);
    checkRoutes("http://127.0.0.1:" + dashboard.port(), dashboardRoutes, TestSwarm.OPERATOR_TOKEN);
  }

  /** {@code METHOD path} of every route the context registered (variables filled in), plus {@code more} GETs. */
  private static List<String> probes(ApplicationContext context, String... more) {
    List<String> routes = new ArrayList<>();
    context.getBean(Router.class).uriRoutes().forEach(route ->
        routes.add(route.getHttpMethod() + " " + route.getUriMatchTemplate().toString().replaceAll("\\{[^}]*}", "x")));
    for (String path : more) {
      routes.add("GET " + path);
    }
    return routes;
  }

  private void checkRoutes(String base, List<String> routes, String operatorToken) throws Exception {
    for (String route : routes) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      boolean open = path.equals("/health") || path.startsWith("/health/") || path.equals("/login");
      int none = send(base, method, path, null);
      int guessed = send(base, method, path, "Bearer guessed-token-0123456789");
      int droneToken = send(base, method, path, "Bearer " + TestSwarm.DRONE_TOKEN);
      int reader = send(base, method, path, "Bearer " + READER);
      int asPortage = send(base, method, path, "Basic " + java.util.Base64.getEncoder().encodeToString(("portage:" + READER).getBytes()));
      int operator = send(base, method, path, "Bearer " + operatorToken);
      if (open && route.equals("POST /login")) {
        assertEquals(401, none, "signing in without a token is refused");
        continue;
      }
      if (open) {
        assertFalse(none == 401 || none == 303, route + " is public, answered " + none);
        continue;
      }
      assertTrue(none == 401 || (none == 303 && path.equals("/")), route + " without a token answered " + none);
      assertTrue(guessed == 401 || (guessed == 303 && path.equals("/")), route + " with a guessed token answered " + guessed);
      assertTrue(droneToken == 401 || (droneToken == 303 && path.equals("/")), route + " with a drone token answered " + droneToken);
      assertFalse(reader == 401 || reader == 303, route + " with a reader token answered " + reader);
      assertFalse(asPortage == 401 || asPortage == 303, route + " with Basic credentials answered " + asPortage);
      assertFalse(operator == 401 || operator == 303, route + " with an operator token answered " + operator);
    }
  }

  private int send(String base, String method, String path, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(""));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aBrowserSignsInOnceAndThePageAndItsFeedLetItIn() throws Exception {
    EmbeddedDashboard dashboard =
        server.getApplicationContext().getBean(EmbeddedDashboard.Maybe.class).dashboard().orElseThrow();
    String base = "http://127.0.0.1:" + dashboard.port();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(303, page.statusCode());
    assertEquals("/login", page.headers().firstValue("Location").orElse(""));
    assertFalse(feedOpens(base, null), "no feed without the cookie");

    HttpResponse<String> wrong = signIn(base, "guessed-token-0123456789");
    assertEquals(401, wrong.statusCode());
    assertTrue(wrong.body().contains("not accepted"), wrong.body());
    HttpResponse<String> right = signIn(base, READER);
    assertEquals(303, right.statusCode());
    String setCookie = right.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.toLowerCase(java.util.Locale.ROOT).contains("httponly") && setCookie.contains("SameSite=Strict"), setCookie);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    HttpResponse<String> signedIn =
        http.send(HttpRequest.newBuilder(URI.create(base + "/")).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signedIn.statusCode());
    assertTrue(signedIn.body().contains("<title>buildswarm</title>"));
    assertTrue(feedOpens(base, cookie), "the feed opens with the cookie");
  }

  private HttpResponse<String> signIn(String base, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private boolean feedOpens(String base, String cookie) throws Exception {
    java.net.http.WebSocket.Builder builder = http.newWebSocketBuilder();
    if (cookie != null) {
      builder.header("Cookie", cookie);
    }
    try {
      java.net.http.WebSocket socket =
          builder.buildAsync(URI.create(base.replace("http:", "ws:") + "/ws"), new java.net.http.WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
      socket.abort();
      return true;
    } catch (java.util.concurrent.ExecutionException refused) {
      return false;
    }
  }

  @Test
  void aDroneTokenAddedToTheFileLetsTheDroneInWithoutARestart() throws Exception {
    String target = "localhost:" + TestSwarm.grpcPort(server);
    String newToken = "rotated-drone-token-0123456789";
    Path droneSide = work.resolve("drone.token");
    Files.writeString(droneSide, newToken + "\n");
    DroneAgent agent =
        new DroneAgent(
            new DroneConfig(
                "rotating", "h", target, TokenSource.of("", droneSide.toString()), 2, 1, 1.0,
                BuildTemplate.of(List.of("true", "{atom}")), work, work.resolve("pkgs"), "-j2", Map.of(),
                Duration.ofMinutes(1), Duration.ofSeconds(1), "v", Map.of(), Duration.ZERO, 8L << 20));
    closing.add(agent::close);
    agent.start();
    assertFalse(agent.awaitRegistered(Duration.ofSeconds(2)), "not yet one of the coordinator's drone tokens");

    // The operator's rotation: the new token goes into the coordinator's file beside the old.
    Path coordinatorSide = work.resolve("drone-tokens");
    Path next = work.resolve("drone-tokens.next");
    Files.writeString(next, TestSwarm.DRONE_TOKEN + "\n" + newToken + "\n");
    Files.move(next, coordinatorSide, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertTrue(agent.awaitRegistered(Duration.ofSeconds(30)), "let in once the file holds its token");
  }
}

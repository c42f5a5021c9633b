package dev.buildswarm.drone.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.tokens.AcceptedTokens;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The drone's HTTP endpoints, on the JDK's own server (the drone has no web framework, and four
 * read-only routes need none):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the agent runs.
 *   <li>{@code GET /health/ready} and {@code GET /health}: 200 {@code UP} while a coordinator has
 *       accepted this drone's registration, 503 {@code DOWN} while it has not (starting, or
 *       reconnecting).
 *   <li>{@code GET /metrics}: the Prometheus text format.
 * </ul>
 *
 * Read-only: nothing here changes the drone, and nothing shows build logs or tokens. {@code
 * /health} is public; with reader tokens configured ({@code BUILDSWARM_READER_TOKENS} or {@code
 * BUILDSWARM_READER_TOKENS_FILE}, as on the coordinator) every other path needs one as {@code
 * Authorization: Bearer}. Thread-safe: requests run on virtual threads and only read the agent.
 */
public final class DroneHttpServer implements AutoCloseable {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final DroneAgent agent;
  private final String version;
  private final ObjectMapper json = new ObjectMapper();
  private final AcceptedTokens readers;

  private DroneHttpServer(HttpServer server, DroneAgent agent, String version, AcceptedTokens readers) {
    this.server = server;
    this.agent = agent;
    this.version = version;
    this.readers = readers;
  }

  /**
   * Listens on {@code host:port} (port 0: any free one, see {@link #port()}).
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public static DroneHttpServer start(String host, int port, DroneAgent agent, String version, AcceptedTokens readers) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for HTTP on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    DroneHttpServer http = new DroneHttpServer(server, agent, version, readers);
    server.createContext("/", http::handle);
    server.setExecutor(http.executor);
    server.start();
    return http;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().add("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      boolean open = path.equals("/health") || path.startsWith("/health/");
      if (!open && readers.isConfigured()
          && !readers.accepts(AcceptedTokens.fromAuthorization(exchange.getRequestHeaders().getFirst("Authorization")))) {
        send(exchange, 401, "text/plain; charset=utf-8", "this drone's /metrics needs a reader token (Authorization: Bearer <token>)\n");
        return;
      }
      switch (path) {
        case "/health", "/health/ready" -> ready(exchange);
        case "/health/live" -> send(exchange, 200, "application/json", json(Map.of("status", "UP", "version", version)));
        case "/metrics" -> send(exchange, 200, PROMETHEUS_TEXT, agent.metrics().scrape());
        default -> send(exchange, 404, "text/plain; charset=utf-8", "no such page: try /health or /metrics\n");
      }
    }
  }

  private void ready(HttpExchange exchange) throws IOException {
    boolean registered = agent.isRegistered();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", registered ? "UP" : "DOWN");
    body.put("registered", registered);
    body.put("drone", agent.config().name());
    body.put("coordinator", agent.config().coordinator());
    body.put("version", version);
    body.put("runningBuilds", agent.runningBuilds());
    if (!registered) {
      body.put("reason", "not registered with the coordinator at " + agent.config().coordinator());
    }
    send(exchange, registered ? 200 : 503, "application/json", json(body));
  }

  private String json(Map<String, Object> body) throws IOException {
    return json.writeValueAsString(body);
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}

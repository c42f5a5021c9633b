package dev.buildswarm.testredis;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A real Redis a test may use, and a swarm name no other test class uses on it.
 *
 * @param host where the server listens
 * @param port its port
 * @param swarm a swarm name unique to this test class, so classes never see each other's keys
 * @param origin how it was obtained, for messages: "testcontainers", "redis-server child", "REDIS_URL"
 */
public record RedisEndpoint(String host, int port, String swarm, String origin) {

  /** The {@code redis://host:port} address. */
  public String url() {
    return "redis://" + host + ":" + port;
  }

  /** Whether the server is this test class's own (a child process or a container), not a shared one. */
  public boolean ownServer() {
    return !origin.equals("REDIS_URL");
  }

  /**
   * Stops the server now (SHUTDOWN NOSAVE), for tests of what a daemon does when Redis goes away.
   * The rest of the test class has no Redis after it.
   *
   * @throws IllegalStateException for a shared server (from REDIS_URL): others may be using it
   */
  public void stopServer() throws IOException {
    if (!ownServer()) {
      throw new IllegalStateException("refusing to stop the shared Redis at " + url());
    }
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("SHUTDOWN NOSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      // Redis closes the connection as it exits, without a reply: reading to the end waits for
      // that. A reply is a refusal (e.g. "-ERR Errors trying to SHUTDOWN").
      byte[] reply = socket.getInputStream().readAllBytes();
      if (reply.length > 0) {
        throw new IllegalStateException("Redis at " + url() + " did not stop: " + new String(reply, StandardCharsets.UTF_8).strip());
      }
    }
  }
}

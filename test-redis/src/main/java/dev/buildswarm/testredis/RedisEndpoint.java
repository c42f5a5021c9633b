package dev.buildswarm.testredis;

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
}

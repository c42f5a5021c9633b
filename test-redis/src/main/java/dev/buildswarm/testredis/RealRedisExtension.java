package dev.buildswarm.testredis;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands each test class its own real Redis, trying in order:
 *
 * <ol>
 *   <li>Testcontainers ({@code redis:7}) when a Docker engine is reachable;
 *   <li>a {@code redis-server} child process on an ephemeral port with a temporary directory;
 *   <li>the server named by {@code REDIS_URL} (shared: the class gets a swarm name of its own).
 * </ol>
 *
 * If none is possible the test fails with a message saying how to install {@code redis-server}. The
 * server lives as long as the test class and is stopped after it.
 */
public final class RealRedisExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealRedisExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RedisEndpoint.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext classContext = classContext(context);
    return classContext
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("redis", key -> start(classContext), RunningRedis.class)
        .endpoint();
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext current = context;
    while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
      current = current.getParent().get();
    }
    return current;
  }

  private static RunningRedis start(ExtensionContext context) {
    String swarm =
        context.getRequiredTestClass().getSimpleName().toLowerCase()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    StringBuilder tried = new StringBuilder();

    if (ContainerRedis.dockerReachable()) {
      try {
        return ContainerRedis.start(swarm);
      } catch (RuntimeException e) {
        tried.append("\n  - Testcontainers: ").append(e.getMessage());
      }
    } else {
      tried.append("\n  - Testcontainers: no Docker engine reachable");
    }

    Path server = RedisServerProcess.findRedisServer();
    if (server != null) {
      try {
        return RedisServerProcess.start(server, swarm);
      } catch (IOException | RuntimeException e) {
        tried.append("\n  - redis-server child (").append(server).append("): ").append(e.getMessage());
      }
    } else {
      tried.append("\n  - redis-server: not found on PATH, /usr/bin or /usr/sbin");
    }

    String url = System.getenv("REDIS_URL");
    if (url != null && !url.isBlank()) {
      URI uri = URI.create(url.trim());
      int port = uri.getPort() > 0 ? uri.getPort() : 6379;
      return new RunningRedis(new RedisEndpoint(uri.getHost(), port, swarm, "REDIS_URL"), () -> {});
    }
    tried.append("\n  - REDIS_URL: not set");

    throw new IllegalStateException(
        "No real Redis for "
            + context.getRequiredTestClass().getName()
            + ". Tried:"
            + tried
            + "\nInstall redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server), or set"
            + " REDIS_URL=redis://host:port to a server the tests may write to.");
  }

  /** A started server; closing the store entry stops it. */
  record RunningRedis(RedisEndpoint endpoint, Runnable stop)
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      stop.run();
    }
  }

  static Path tempDir(String swarm) throws IOException {
    return Files.createTempDirectory("buildswarm-redis-" + swarm + "-");
  }
}

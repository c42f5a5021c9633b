package dev.buildswarm.testredis;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** Redis in a container, where a Docker engine is reachable. */
final class ContainerRedis {
  private ContainerRedis() {}

  /**
   * Asks Testcontainers only when a Docker endpoint plausibly exists, so machines without Docker do
   * not pay for its discovery.
   */
  static boolean dockerReachable() {
    boolean hint =
        System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    if (!hint) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  static RealRedisExtension.RunningRedis start(String swarm) {
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse("redis:7.0")).withExposedPorts(6379);
    container.start();
    RedisEndpoint endpoint =
        new RedisEndpoint(container.getHost(), container.getMappedPort(6379), swarm, "testcontainers");
    return new RealRedisExtension.RunningRedis(endpoint, container::stop);
  }
}

package dev.buildswarm.testredis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A {@code redis-server} child on an ephemeral port, killed with the test class (or the JVM). */
final class RedisServerProcess {
  private RedisServerProcess() {}

  static Path findRedisServer() {
    return findTool("redis-server");
  }

  /** The redis-server to start, or an IOException saying it is missing. */
  static Path requireRedisServer() throws IOException {
    Path server = findRedisServer();
    if (server == null) {
      throw new IOException("redis-server not found on PATH, /usr/bin or /usr/sbin");
    }
    return server;
  }

  /** {@code name} on PATH, else in /usr/bin or /usr/sbin; null when nowhere. */
  static Path findTool(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    for (String fallback : List.of("/usr/bin/", "/usr/sbin/")) {
      if (Files.isExecutable(Path.of(fallback + name))) {
        return Path.of(fallback + name);
      }
    }
    return null;
  }

  static RealRedisExtension.RunningRedis start(Path server, String swarm) throws IOException {
    Path dir = RealRedisExtension.tempDir(swarm);
    RedisChild child;
    try {
      child = RedisChild.start(server, dir, List.of("--save", "", "--appendonly", "no"));
    } catch (IOException | RuntimeException e) {
      RedisChild.deleteTree(dir);
      throw e;
    }
    RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", child.port(), swarm, "redis-server child");
    return new RealRedisExtension.RunningRedis(
        endpoint,
        () -> {
          child.close();
          RedisChild.deleteTree(dir);
        });
  }
}

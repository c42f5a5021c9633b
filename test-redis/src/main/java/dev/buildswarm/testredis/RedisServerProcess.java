package dev.buildswarm.testredis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A {@code redis-server} child on an ephemeral port, killed with the test class (or the JVM). */
final class RedisServerProcess {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

  private RedisServerProcess() {}

  static Path findRedisServer() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    for (String fallback : List.of("/usr/bin/redis-server", "/usr/sbin/redis-server")) {
      if (Files.isExecutable(Path.of(fallback))) {
        return Path.of(fallback);
      }
    }
    return null;
  }

  static RealRedisExtension.RunningRedis start(Path server, String swarm) throws IOException {
    Path dir = RealRedisExtension.tempDir(swarm);
    IOException last = null;
    // A free port can be taken between asking and binding; a few tries make that harmless.
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      Process process =
          new ProcessBuilder(
                  server.toString(),
                  "--port", String.valueOf(port),
                  "--bind", "127.0.0.1",
                  "--save", "",
                  "--appendonly", "no",
                  "--dir", dir.toString(),
                  "--logfile", dir.resolve("redis.log").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      Thread killer = new Thread(process::destroyForcibly, "redis-server-killer-" + port);
      Runtime.getRuntime().addShutdownHook(killer);
      if (awaitPong(process, port)) {
        RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", port, swarm, "redis-server child");
        return new RealRedisExtension.RunningRedis(endpoint, () -> stop(process, killer, dir));
      }
      stop(process, killer, dir);
      last = new IOException("redis-server did not answer PING on port " + port + "; see " + dir);
    }
    throw last;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean awaitPong(Process process, int port) {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (Instant.now().isBefore(deadline) && process.isAlive()) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        socket.setSoTimeout(500);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(7);
        if (new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
          return true;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static void stop(Process process, Thread killer, Path dir) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary folder is harmless.
    }
  }
}

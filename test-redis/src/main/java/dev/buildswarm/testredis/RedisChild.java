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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@code redis-server} child (a data node or a Sentinel) on a loopback port, with its files in
 * a folder of its own. Killed by {@link #close()}, or by a shutdown hook should the JVM exit first,
 * so a failed test leaves no server behind. Thread-safe.
 */
final class RedisChild implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

  private final Process process;
  private final Thread killer;
  private final int port;
  private final Path dir;

  private RedisChild(Process process, Thread killer, int port, Path dir) {
    this.process = process;
    this.killer = killer;
    this.port = port;
    this.dir = dir;
  }

  /**
   * Starts {@code redis-server} in {@code dir} with a free port (chosen here, tried again should
   * another process take it first) and the given arguments, and waits until it answers PING.
   * {@code args} may use {@code {port}} and {@code {port2}} (a second free port, for a cluster bus).
   */
  static RedisChild start(Path server, Path dir, List<String> args) throws IOException {
    Files.createDirectories(dir);
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      int port2 = freePort();
      List<String> command = new ArrayList<>(List.of(server.toString()));
      for (String arg : args) {
        command.add(arg.replace("{port}", String.valueOf(port)).replace("{port2}", String.valueOf(port2)));
      }
      command.addAll(
          List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
              "--logfile", dir.resolve("redis.log").toString()));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      Thread killer = new Thread(process::destroyForcibly, "redis-server-killer-" + port);
      Runtime.getRuntime().addShutdownHook(killer);
      RedisChild child = new RedisChild(process, killer, port, dir);
      if (awaitPong(process, port)) {
        return child;
      }
      child.close();
      last = new IOException("redis-server did not answer PING on port " + port + "; see " + dir);
    }
    throw last;
  }

  int port() {
    return port;
  }

  Path dir() {
    return dir;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crashed or powered-off server: no shutdown, nothing saved, connections cut. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
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
  }

  /** Runs {@code redis-cli} against this server; returns what it printed. */
  String cli(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("-h", "127.0.0.1", "-p", String.valueOf(port)));
    command.addAll(List.of(args));
    return redisCli(command);
  }

  /** Runs {@code redis-cli} with these arguments (30 s at most); returns what it printed. */
  static String redisCli(List<String> args) throws IOException {
    Path cli = RedisServerProcess.findTool("redis-cli");
    if (cli == null) {
      throw new IOException("redis-cli not found on PATH, /usr/bin or /usr/sbin (it comes with redis-server)");
    }
    List<String> command = new ArrayList<>(List.of(cli.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("redis-cli " + args + " did not finish");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException("redis-cli " + args + " exited " + process.exitValue() + ": " + text);
      }
      return text;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary folder is harmless.
    }
  }

  static int freePort() throws IOException {
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
}

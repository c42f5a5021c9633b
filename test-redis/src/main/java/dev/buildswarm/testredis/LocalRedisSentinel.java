package dev.buildswarm.testredis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real Sentinel setup: a master, one replica of it, and three Sentinels (quorum 2) watching it,
 * all {@code redis-server} children on ephemeral ports in temporary folders. The Sentinels call
 * the master {@link #MASTER}, take it for down after 1 s of silence, and promote the replica.
 * {@link #close()} stops every process (a shutdown hook does it should the JVM exit first) and
 * removes the folders. Thread-safe.
 */
public final class LocalRedisSentinel implements AutoCloseable {
  /** The Sentinels' name for the master. */
  public static final String MASTER = "buildswarm";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final RedisChild master;
  private final RedisChild replica;
  private final List<RedisChild> sentinels;

  private LocalRedisSentinel(Path dir, RedisChild master, RedisChild replica, List<RedisChild> sentinels) {
    this.dir = dir;
    this.master = master;
    this.replica = replica;
    this.sentinels = List.copyOf(sentinels);
  }

  /**
   * Starts the five processes and waits until the replica is in sync and every Sentinel knows the
   * replica and the two other Sentinels (Redisson refuses a Sentinel that knows no other).
   */
  public static LocalRedisSentinel start() throws IOException, InterruptedException {
    Path server = RedisServerProcess.requireRedisServer();
    Path dir = Files.createTempDirectory("buildswarm-redis-sentinel-");
    List<RedisChild> started = new ArrayList<>();
    try {
      List<String> data = List.of("--save", "", "--appendonly", "no");
      RedisChild master = RedisChild.start(server, dir.resolve("master"), data);
      started.add(master);
      List<String> replicaArgs = new ArrayList<>(data);
      replicaArgs.addAll(List.of("--replicaof", "127.0.0.1", String.valueOf(master.port())));
      RedisChild replica = RedisChild.start(server, dir.resolve("replica"), replicaArgs);
      started.add(replica);
      List<RedisChild> sentinels = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Path sentinelDir = dir.resolve("sentinel" + i);
        Files.createDirectories(sentinelDir);
        // A Sentinel rewrites its configuration file as it learns, so it gets a file of its own.
        Path conf = sentinelDir.resolve("sentinel.conf");
        Files.writeString(
            conf,
            String.join(
                "\n",
                "sentinel monitor " + MASTER + " 127.0.0.1 " + master.port() + " 2",
                "sentinel down-after-milliseconds " + MASTER + " 1000",
                "sentinel failover-timeout " + MASTER + " 10000",
                "sentinel parallel-syncs " + MASTER + " 1",
                ""),
            StandardCharsets.UTF_8);
        RedisChild sentinel = RedisChild.start(server, sentinelDir, List.of(conf.toString(), "--sentinel"));
        started.add(sentinel);
        sentinels.add(sentinel);
      }
      LocalRedisSentinel setup = new LocalRedisSentinel(dir, master, replica, sentinels);
      setup.awaitReady();
      return setup;
    } catch (IOException | InterruptedException | RuntimeException e) {
      started.forEach(RedisChild::close);
      RedisChild.deleteTree(dir);
      throw e;
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (true) {
      boolean ready = replica.cli("info", "replication").contains("master_link_status:up");
      for (RedisChild sentinel : sentinels) {
        Map<String, String> view = fields(sentinel.cli("sentinel", "master", MASTER));
        ready &= "2".equals(view.get("num-other-sentinels")) && "1".equals(view.get("num-slaves"));
      }
      if (ready) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("the Sentinels did not see the replica and each other within " + READY_TIMEOUT + "; see " + dir);
      }
      Thread.sleep(100);
    }
  }

  /** redis-cli prints a flat reply one element a line: name, value, name, value... */
  private static Map<String, String> fields(String reply) {
    List<String> lines = reply.lines().toList();
    Map<String, String> fields = new HashMap<>();
    for (int i = 0; i + 1 < lines.size(); i += 2) {
      fields.put(lines.get(i), lines.get(i + 1));
    }
    return fields;
  }

  /** {@code redis+sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/buildswarm}, the form the swarm takes. */
  public String url() {
    return "redis+sentinel://"
        + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","))
        + "/" + MASTER;
  }

  /** The port the Sentinels now name as the master's. */
  public int masterPort() throws IOException {
    for (RedisChild sentinel : sentinels) {
      List<String> reply = sentinel.cli("sentinel", "get-master-addr-by-name", MASTER).lines().toList();
      if (reply.size() >= 2) {
        return Integer.parseInt(reply.get(1).trim());
      }
    }
    throw new IOException("no Sentinel names a master");
  }

  /** The port of the first master, and of its replica. */
  public int firstMasterPort() {
    return master.port();
  }

  public int replicaPort() {
    return replica.port();
  }

  /**
   * Waits until the replica has received everything the master had written when this was called
   * (its replication offset reached the master's), so a test can tell writes that were safe before
   * a kill from writes that may be lost by it.
   */
  public void awaitReplicaCaughtUp(Duration timeout) throws IOException, InterruptedException {
    long target = offset(master, "master_repl_offset");
    Instant deadline = Instant.now().plus(timeout);
    while (offset(replica, "slave_repl_offset") < target) {
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("the replica did not reach offset " + target + " within " + timeout);
      }
      Thread.sleep(10);
    }
  }

  private static long offset(RedisChild node, String field) throws IOException {
    for (String line : node.cli("info", "replication").lines().toList()) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim());
      }
    }
    throw new IOException("no " + field + " in INFO replication of port " + node.port());
  }

  /** SIGKILLs the first master, as a crash: writes it acknowledged but had not sent to the replica are gone. */
  public void killMaster() throws InterruptedException {
    master.kill();
  }

  /** Waits until the Sentinels have promoted the replica; returns how long that took. */
  public Duration awaitFailover(Duration timeout) throws IOException, InterruptedException {
    Instant start = Instant.now();
    Instant deadline = start.plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (masterPort() == replica.port() && replica.cli("role").startsWith("master")) {
        return Duration.between(start, Instant.now());
      }
      Thread.sleep(50);
    }
    throw new IOException("no failover to the replica within " + timeout + "; see " + dir);
  }

  @Override
  public void close() {
    sentinels.forEach(RedisChild::close);
    replica.close();
    master.close();
    RedisChild.deleteTree(dir);
  }
}

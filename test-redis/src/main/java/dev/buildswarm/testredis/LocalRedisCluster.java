package dev.buildswarm.testredis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three masters (no replicas) as {@code redis-server --cluster-enabled yes}
 * children on ephemeral ports, each in a temporary folder, joined with {@code redis-cli --cluster
 * create}. {@link #close()} stops every node (a shutdown hook does it should the JVM exit first)
 * and removes the folders. Start one per test class: it takes about a second. Thread-safe.
 */
public final class LocalRedisCluster implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final List<RedisChild> nodes;

  private LocalRedisCluster(Path dir, List<RedisChild> nodes) {
    this.dir = dir;
    this.nodes = List.copyOf(nodes);
  }

  /** Starts three masters, assigns the 16384 slots among them, and waits for cluster_state:ok everywhere. */
  public static LocalRedisCluster start() throws IOException, InterruptedException {
    Path server = RedisServerProcess.requireRedisServer();
    Path dir = Files.createTempDirectory("buildswarm-redis-cluster-");
    List<RedisChild> nodes = new ArrayList<>();
    LocalRedisCluster cluster = new LocalRedisCluster(dir, nodes);
    try {
      for (int i = 0; i < 3; i++) {
        Path nodeDir = dir.resolve("node" + i);
        nodes.add(
            RedisChild.start(
                server, nodeDir,
                List.of(
                    "--cluster-enabled", "yes",
                    // The bus gets a free port of its own: port + 10000 may be taken or past 65535.
                    "--cluster-port", "{port2}",
                    "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
                    "--cluster-node-timeout", "2000",
                    "--save", "", "--appendonly", "no")));
      }
      cluster = new LocalRedisCluster(dir, nodes);
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      RedisChild.redisCli(create);
      cluster.awaitHealthy();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      nodes.forEach(RedisChild::close);
      RedisChild.deleteTree(dir);
      throw e;
    }
  }

  private void awaitHealthy() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    while (true) {
      boolean ok = true;
      for (RedisChild node : nodes) {
        String info = node.cli("cluster", "info");
        ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size());
      }
      if (ok) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("the cluster did not reach cluster_state:ok within " + READY_TIMEOUT + "; see " + dir);
      }
      Thread.sleep(50);
    }
  }

  /** {@code redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}, the form the swarm takes. */
  public String url() {
    return "redis+cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** The nodes' ports, in the order they were started. */
  public List<Integer> ports() {
    return nodes.stream().map(RedisChild::port).toList();
  }

  /** The port of the master that owns {@code key}'s hash slot (asked of the cluster itself). */
  public int ownerOf(String key) throws IOException {
    long slot = Long.parseLong(nodes.getFirst().cli("cluster", "keyslot", key).trim());
    for (RedisChild node : nodes) {
      if (ownsSlot(node, slot)) {
        return node.port();
      }
    }
    throw new IOException("no node owns slot " + slot + " of '" + key + "'");
  }

  private static boolean ownsSlot(RedisChild node, long slot) throws IOException {
    String myId = node.cli("cluster", "myid").trim();
    for (String line : node.cli("cluster", "nodes").lines().toList()) {
      String[] fields = line.split(" ");
      if (fields.length < 9 || !fields[0].equals(myId)) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        String range = fields[i];
        if (range.startsWith("[")) {
          continue; // a slot being migrated
        }
        String[] ends = range.split("-");
        long from = Long.parseLong(ends[0]);
        long to = ends.length > 1 ? Long.parseLong(ends[1]) : from;
        if (slot >= from && slot <= to) {
          return true;
        }
      }
    }
    return false;
  }

  /** The number of keys the node on {@code port} holds. */
  public long keysOn(int port) throws IOException {
    for (RedisChild node : nodes) {
      if (node.port() == port) {
        return Long.parseLong(node.cli("dbsize").trim());
      }
    }
    throw new IllegalArgumentException("no node on port " + port);
  }

  @Override
  public void close() {
    nodes.forEach(RedisChild::close);
    RedisChild.deleteTree(dir);
  }
}

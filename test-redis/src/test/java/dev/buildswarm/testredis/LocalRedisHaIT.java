package dev.buildswarm.testredis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalRedisHaIT {

  @Test
  void aLocalClusterHasThreeMastersSharingTheSlotsAndStopsWithItsProcesses() throws Exception {
    List<ProcessHandle> before = redisChildren();
    try (LocalRedisCluster cluster = LocalRedisCluster.start()) {
      assertEquals(3, cluster.ports().size());
      assertTrue(cluster.url().startsWith("redis+cluster://127.0.0.1:"), cluster.url());
      assertFalse(cluster.ports().contains(6379), "never the machine's own Redis");
      // Two hash tags that land on different masters: the slots really are spread.
      assertNotEquals(cluster.ownerOf("bs:{a}:seq"), cluster.ownerOf("bs:{b}:seq"));
      assertEquals(cluster.ownerOf("bs:{a}:seq"), cluster.ownerOf("bs:{a}:pkg:1"));
      assertEquals(before.size() + 3, redisChildren().size());
    }
    assertEquals(before.size(), redisChildren().size(), "every node stopped");
  }

  @Test
  void theSentinelsPromoteTheReplicaWhenTheMasterIsKilled() throws Exception {
    List<ProcessHandle> before = redisChildren();
    try (LocalRedisSentinel sentinel = LocalRedisSentinel.start()) {
      assertEquals(sentinel.firstMasterPort(), sentinel.masterPort());
      assertTrue(sentinel.url().endsWith("/" + LocalRedisSentinel.MASTER), sentinel.url());
      assertEquals(before.size() + 5, redisChildren().size());
      sentinel.killMaster();
      Duration took = sentinel.awaitFailover(Duration.ofSeconds(30));
      assertEquals(sentinel.replicaPort(), sentinel.masterPort(), "promoted after " + took);
    }
    assertEquals(before.size(), redisChildren().size(), "every process stopped");
  }

  private static List<ProcessHandle> redisChildren() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
  }
}

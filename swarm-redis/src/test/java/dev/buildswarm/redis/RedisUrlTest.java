package dev.buildswarm.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.redis.RedisUrl.Mode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

class RedisUrlTest {

  @Test
  void aSingleServerUrlKeepsItsHostPortAndDatabase() {
    RedisUrl url = RedisUrl.parse("redis://127.0.0.1:6380/2");
    assertEquals(Mode.SINGLE, url.mode());
    assertEquals(List.of("redis://127.0.0.1:6380"), url.addresses());
    assertEquals(2, url.database());
    assertEquals("rediss://cache.example:6379", RedisUrl.parse("rediss://cache.example").addresses().getFirst());
  }

  @Test
  void aClusterUrlListsItsSeedNodes() {
    RedisUrl url = RedisUrl.parse("redis+cluster://10.0.0.1:7000, 10.0.0.2:7001,node3");
    assertEquals(Mode.CLUSTER, url.mode());
    assertEquals(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7001", "redis://node3:6379"), url.addresses());
    assertEquals(
        List.of("rediss://[::1]:7000"), RedisUrl.parse("rediss+cluster://[::1]:7000").addresses());
  }

  @Test
  void aSentinelUrlNamesItsSentinelsAndTheMaster() {
    RedisUrl url = RedisUrl.parse("redis+sentinel://:s3cret@s1:26380,s2/buildswarm");
    assertEquals(Mode.SENTINEL, url.mode());
    assertEquals(List.of("redis://s1:26380", "redis://s2:26379"), url.addresses());
    assertEquals("buildswarm", url.master());
    assertEquals("s3cret", url.password());
    assertEquals("redis+sentinel://:***@s1:26380,s2:26379/buildswarm", url.toString());
  }

  @Test
  void aClusterOrSentinelNeverReadsFromAReplica() {
    Config cluster = RedisConnection.config(RedisUrl.parse("redis+cluster://a:1,b:2"), 8);
    assertEquals(ReadMode.MASTER, cluster.useClusterServers().getReadMode());
    Config sentinel = RedisConnection.config(RedisUrl.parse("redis+sentinel://a:1/m"), 8);
    assertEquals(ReadMode.MASTER, sentinel.useSentinelServers().getReadMode());
    assertEquals("m", sentinel.useSentinelServers().getMasterName());
  }

  @Test
  void badUrlsAreRefusedNamingTheUrlAndTheFault() {
    assertRefused("127.0.0.1:6379", "'127.0.0.1:6379'", "expected redis://host:port");
    assertRefused("http://h:1", "unknown scheme 'http'");
    assertRefused("redis+sentinel://s1:26379,s2:26379", "ends with /master-name");
    assertRefused("redis+sentinel://s1:26379/", "ends with /master-name");
    assertRefused("redis+cluster://a:1,,b:2", "a host is missing");
    assertRefused("redis+cluster://a:1/0", "a cluster URL has no path");
    assertRefused("redis://a:1,b:2", "redis+cluster://");
    assertRefused("redis://a:99999", "'99999' is not a port");
    assertRefused("redis://a:x", "'x' is not a port");
    assertRefused("redis://a b:1", "'a b' is not a host");
    assertRefused("redis://a:1?timeout=5", "not supported");
    assertRefused("", "it is empty");
  }

  @Test
  void aRefusedUrlNeverShowsItsPassword() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("redis+cluster://u:hunter2@a:1,b:x"));
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertTrue(e.getMessage().contains("redis+cluster://u:***@a:1,b:x"), e.getMessage());
  }

  private static void assertRefused(String url, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(url));
    assertTrue(e.getMessage().startsWith("invalid Redis URL '"), e.getMessage());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
  }
}

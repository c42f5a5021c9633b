package dev.buildswarm.testredis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@RealRedis
class RealRedisExtensionTest {

  private static String command(RedisEndpoint redis, String inline) throws IOException {
    try (Socket socket = new Socket(redis.host(), redis.port())) {
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder reply = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        reply.append((char) c);
      }
      return reply.toString().trim();
    }
  }

  @Test
  void eachTestClassGetsARealServerThatStoresData(RedisEndpoint redis) throws IOException {
    assertEquals("+OK", command(redis, "SET " + redis.swarm() + ":probe hello"));
    assertEquals("$5", command(redis, "GET " + redis.swarm() + ":probe"));
    assertTrue(command(redis, "INFO server").startsWith("$"));
  }

  @Test
  void theSameClassSeesTheSameServer(RedisEndpoint first, RedisEndpoint second) {
    assertEquals(first, second);
    if (first.origin().equals("redis-server child")) {
      // A server of its own, never the machine's Redis on the standard port.
      assertNotEquals(6379, first.port());
    }
  }
}

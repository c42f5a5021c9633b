package dev.buildswarm.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.buildswarm.dashboard.feed.SnapshotDelta;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** The dashboard's WebSocket protocol against a real Redis, over a real WebSocket. */
@RealRedis
class DashboardIT {
  private EmbeddedServer server;
  private RedissonClient redis;
  private SwarmWriter swarm;
  private String swarmName;

  @BeforeEach
  void start(RedisEndpoint endpoint) {
    String name = endpoint.swarm() + "-" + System.nanoTime();
    swarmName = name;
    redis = RedisConnection.open(endpoint.url());
    swarm = new SwarmWriter(redis, new RedisKeys(name));
    server =
        ApplicationContext.run(
            EmbeddedServer.class,
            Map.of(
                "micronaut.server.port", -1,
                "buildswarm.redis-url", endpoint.url(),
                "buildswarm.swarm", name,
                "buildswarm.dashboard.interval", "250ms",
                "buildswarm.dashboard.slow-interval", "250ms"),
            DashboardMain.ENVIRONMENT);
  }

  @AfterEach
  void stop() {
    server.close();
    redis.shutdown();
  }

  /** Applies deltas in order until {@code done} holds for the view; fails on a sequence gap. */
  private static JsonNode follow(FeedClient feed, JsonNode view, Predicate<JsonNode> done) throws Exception {
    JsonNode current = view;
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!done.test(current)) {
      assertTrue(System.nanoTime() < deadline, "the view never reached the expected state: " + current);
      JsonNode delta = feed.next(10);
      assertEquals("delta", delta.get("type").asText());
      if (delta.get("seq").asLong() <= current.get("seq").asLong()) {
        continue; // broadcast while this client's snapshot was sent: already in it (the protocol says ignore)
      }
      assertEquals(current.get("seq").asLong() + 1, delta.get("seq").asLong(), "deltas come in sequence");
      current = SnapshotDelta.apply(current, delta);
    }
    return current;
  }

  private static long doneInTheHour(JsonNode view) {
    long sum = 0;
    for (JsonNode minute : view.get("throughput")) {
      sum += minute.get("done").asLong();
    }
    return sum;
  }

  private static boolean hasDrones(JsonNode view, int n) {
    return view.get("drones").size() == n;
  }

  @Test
  void thePageIsServed() throws Exception {
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(server.getURL() + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<title>buildswarm</title>"));
  }

  @Test
  void snapshotOnConnectThenDeltasRebuildWhatAFreshSnapshotShows() throws Exception {
    try (FeedClient feed = new FeedClient(server.getPort())) {
      JsonNode view = feed.next(10);
      assertEquals("snapshot", view.get("type").asText());

      // Eight drones report within the same few milliseconds (lesson 4): each owns its bucket.
      long now = System.currentTimeMillis();
      for (int i = 0; i < 8; i++) {
        swarm.drone("drone-" + i, 8, 2, i % 2 == 0 ? List.of((i + 1) + "=app-misc/p" + i + "-1") : List.of(), now);
      }
      view = follow(feed, view, v -> hasDrones(v, 8));
      for (int i = 0; i < 8; i++) {
        JsonNode drone = view.get("drones").get(i);
        assertEquals("drone-" + i, drone.get("name").asText());
        assertEquals(i % 2 == 0 ? "building" : "idle", drone.get("state").asText());
        if (i % 2 == 0) {
          assertEquals("app-misc/p" + i + "-1", drone.get("running").get(0).get("atom").asText());
        }
      }
      assertEquals(
          "Queue: 0 packages · Drones: 4 active, 4 idle, 0 grounded · Cores: 32 active · IDLE",
          view.get("summary").get("header").asText());

      // The same view, asked for afresh: equal to the one rebuilt from deltas at the same seq.
      feed.send("{\"type\":\"resync\"}");
      JsonNode fresh = null;
      while (fresh == null || fresh.get("seq").asLong() > view.get("seq").asLong()) {
        JsonNode message = feed.next(10);
        if (message.get("type").asText().equals("snapshot")) {
          fresh = message;
        } else if (message.get("seq").asLong() == view.get("seq").asLong() + 1) {
          view = SnapshotDelta.apply(view, message);
        }
      }
      assertEquals(fresh.get("seq").asLong(), view.get("seq").asLong());
      for (String section : List.of("swarm", "summary", "packages", "queue", "drones", "failed", "events", "throughput", "utilisation")) {
        assertEquals(fresh.get(section), view.get(section), section);
      }
      assertEquals(fresh.get("atMs").asLong(), view.get("atMs").asLong());
    }
  }

  @Test
  void aMissedSequenceNumberIsAnsweredWithAFreshSnapshot() throws Exception {
    try (FeedClient feed = new FeedClient(server.getPort())) {
      JsonNode view = feed.next(10);
      long now = System.currentTimeMillis();
      swarm.drone("early", 4, 1, List.of(), now);
      view = follow(feed, view, v -> hasDrones(v, 1));

      // This client loses the delta that carries "missed" (as if the message had been dropped)...
      swarm.drone("missed", 4, 1, List.of(), now);
      JsonNode lost;
      do {
        lost = feed.next(10);
      } while (lost.get("drones").get("upsert").isEmpty());
      assertEquals("missed", lost.get("drones").get("upsert").get(0).get("name").asText());

      // ...sees the next one out of sequence, asks for a snapshot, and gets one with everything.
      JsonNode next = feed.next(10);
      assertEquals(view.get("seq").asLong() + 2, next.get("seq").asLong(), "a gap the client can see");
      feed.send("{\"type\":\"resync\"}");
      JsonNode fresh;
      do {
        fresh = feed.next(10);
      } while (!fresh.get("type").asText().equals("snapshot"));
      assertTrue(fresh.get("seq").asLong() >= next.get("seq").asLong());
      List<String> names = new ArrayList<>();
      fresh.get("drones").forEach(d -> names.add(d.get("name").asText()));
      assertEquals(List.of("early", "missed"), names);
    }
  }

  @Test
  void aMessageOverTheWebSocketLimitClosesThatConnectionOnly() throws Exception {
    try (FeedClient greedy = new FeedClient(server.getPort()); FeedClient other = new FeedClient(server.getPort())) {
      greedy.next(10);
      other.next(10);
      greedy.send("{\"type\":\"resync\",\"pad\":\"" + "z".repeat(4096) + "\"}");
      assertEquals(1009, greedy.closedWith(10), "closed as too big (RFC 6455 1009)");
      other.send("{\"type\":\"resync\"}");
      JsonNode answer;
      do {
        answer = other.next(10);
      } while (!answer.get("type").asText().equals("snapshot"));
      assertEquals("snapshot", answer.get("type").asText(), "the other page is still served");
    }
  }

  @Test
  void manyReportsInASecondAreCoalescedIntoAFewDeltas() throws Exception {
    try (FeedClient feed = new FeedClient(server.getPort())) {
      feed.next(10);
      long start = System.currentTimeMillis();
      // 40 drones heartbeat every 20 ms for 2 s: 4,000 bucket writes.
      for (int round = 0; round < 100; round++) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 40; i++) {
          swarm.drone("d" + i, 4, 1, List.of(), now);
        }
        Thread.sleep(Math.max(0, start + round * 20L - System.currentTimeMillis()));
      }
      long elapsed = System.currentTimeMillis() - start;
      int deltas = 0;
      long lastSeq = -1;
      while (true) {
        JsonNode delta;
        try {
          delta = feed.next(1);
        } catch (AssertionError quiet) {
          break;
        }
        assertTrue(lastSeq < 0 || delta.get("seq").asLong() == lastSeq + 1, "in sequence");
        lastSeq = delta.get("seq").asLong();
        deltas++;
        if (deltas > 100) {
          break;
        }
      }
      // At most one per 250 ms interval while the writes went on, plus the keep-alives after.
      assertTrue(deltas <= elapsed / 250 + 6, deltas + " deltas for " + elapsed + " ms of writes");
    }
  }

  @Test
  void aFailedPackageComesWithItsReasonAndTheEndOfItsLog() throws Exception {
    long now = System.currentTimeMillis();
    swarm.pkg("7", "=dev-libs/broken-1.0", "failed", 60_000, now,
        Map.of("reason", "compile error: foo.c:12: syntax error", "drone", "drone-1", "last_class", "PERMANENT",
            "finished_ms", String.valueOf(now)));
    swarm.log("7", ">>> Compiling source\nmake: *** [foo.o] Error 1\n", " * ERROR: dev-libs/broken-1.0::gentoo failed\n");
    swarm.event(now, "type", "failed", "id", "7", "atom", "=dev-libs/broken-1.0", "drone", "drone-1", "reason",
        "compile error: foo.c:12: syntax error");
    try (FeedClient feed = new FeedClient(server.getPort())) {
      JsonNode view = follow(feed, feed.next(10), v -> v.get("failed").get("newest").size() == 1);
      JsonNode failed = view.get("failed").get("newest").get(0);
      assertEquals("=dev-libs/broken-1.0", failed.get("atom").asText());
      assertEquals("compile error: foo.c:12: syntax error", failed.get("reason").asText());
      assertEquals(" * ERROR: dev-libs/broken-1.0::gentoo failed", failed.get("logTail").get(2).asText());
      assertEquals(1, view.get("failed").get("total").asLong());
      assertEquals("failed", view.get("events").get(0).get("fields").get("type").asText());
      assertEquals(1, view.get("throughput").get(59).get("failed").asLong());
    }
  }

  /**
   * Older events by cursor when the page shows only the newest events of one entry (a group, see
   * EventEntries): the rest of that entry comes first, then older entries; nothing is skipped.
   */
  @Test
  void olderEventsStartWithTheRestOfAnEntryThePageShowsOnlyPartOf() {
    RedisKeys keys = new RedisKeys(swarmName);
    org.redisson.api.RStream<String, String> stream = redis.getStream(keys.events(), org.redisson.client.codec.StringCodec.INSTANCE);
    for (int i = 1; i <= 3; i++) {
      stream.add(org.redisson.api.stream.StreamAddArgs.entries(Map.of("ts", "1", "type", "queued", "id", "q" + i)));
    }
    String lines = java.util.stream.IntStream.rangeClosed(1, 5)
        .mapToObj(i -> "ts\t2\ttype\tbuilding\tid\tg" + i).collect(java.util.stream.Collectors.joining("\n"));
    String group = stream.add(org.redisson.api.stream.StreamAddArgs.entries(Map.of("type", "group", "events", lines))).toString();
    dev.buildswarm.dashboard.feed.EventPages pages = new dev.buildswarm.dashboard.feed.EventPages(redis, keys);

    assertEquals(List.of("g3", "g2", "g1", "q3", "q2", "q1"),
        pages.before(group, 2, 50).stream().map(e -> e.fields().get("id")).toList(), "g5 and g4 shown already");
    assertEquals(List.of("q3", "q2", "q1"), pages.before(group, 0, 50).stream().map(e -> e.fields().get("id")).toList());
    assertEquals(List.of("q3", "q2", "q1"), pages.before(group, 5, 50).stream().map(e -> e.fields().get("id")).toList());
  }

  @Test
  void aDashboardStartedAfterManyEventsCountsTheWholeHourOfFinishedBuilds() throws Exception {
    // More events than one page of the look-back: the first read shows the newest page, the
    // following reads add the older ones to the chart.
    long now = System.currentTimeMillis();
    int finished = 12_345;
    org.redisson.api.RBatch batch = redis.createBatch();
    for (int i = 0; i < finished; i++) {
      batch.<String, String>getStream(new RedisKeys(swarmName).events(), org.redisson.client.codec.StringCodec.INSTANCE)
          .addAsync(org.redisson.api.stream.StreamAddArgs.entries(
              Map.of("ts", String.valueOf(now), "type", "done", "id", String.valueOf(i), "atom", "=dev-libs/p" + i + "-1")));
    }
    batch.execute();
    try (FeedClient feed = new FeedClient(server.getPort())) {
      JsonNode view = follow(feed, feed.next(10), v -> doneInTheHour(v) == finished);
      assertEquals(finished, doneInTheHour(view));
      assertEquals(String.valueOf(finished - 1), view.get("events").get(0).get("fields").get("id").asText());
    }
  }
}

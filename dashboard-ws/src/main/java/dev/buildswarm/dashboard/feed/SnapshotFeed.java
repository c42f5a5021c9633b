package dev.buildswarm.dashboard.feed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the dashboard's view: every {@code interval} it reads the swarm once,
 * however many drones reported in between (the coalescing: at most one update per interval, 4 a
 * second by default), numbers the result and hands subscribers the delta from the previous step.
 * Nothing changed means nothing is sent, except one small delta a second so pages can tell they
 * are live and keep their ages right.
 *
 * <p>Thread-safe: reads and numbering happen on the feed's own thread; {@link #latest()} is a
 * volatile read that never touches Redis (callers include Netty event loops).
 */
public final class SnapshotFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFeed.class);
  static final long KEEPALIVE_MS = 1_000;

  private final Supplier<SwarmSnapshot> reader;
  private final ObjectMapper json;
  private final ScheduledExecutorService timer;
  private final DashboardMetrics metrics;
  private final List<Consumer<FeedUpdate>> subscribers = new CopyOnWriteArrayList<>();
  private volatile FeedUpdate latest;
  private ObjectNode latestTree; // confined to the timer thread
  private long lastPushMs; // confined to the timer thread
  private boolean failing; // confined to the timer thread

  public SnapshotFeed(Supplier<SwarmSnapshot> reader, ObjectMapper json, Duration interval) {
    this(reader, json, interval, new DashboardMetrics());
  }

  /** As above, timing each read and sizing each snapshot into {@code metrics}. */
  public SnapshotFeed(Supplier<SwarmSnapshot> reader, ObjectMapper json, Duration interval, DashboardMetrics metrics) {
    this.metrics = metrics;
    this.reader = reader;
    this.json = json;
    this.latestTree = json.valueToTree(empty());
    this.latest = new FeedUpdate(0, text(latestTree), null);
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("snapshot-feed").factory());
    timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      long began = System.nanoTime();
      SwarmSnapshot read = reader.get();
      metrics.snapshotRead(System.nanoTime() - began);
      if (failing) {
        LOG.info("reading the swarm works again");
        failing = false;
      }
      long seq = latestTree.get("seq").asLong() + 1;
      ObjectNode tree = json.valueToTree(read);
      tree.put("seq", seq);
      ObjectNode delta = SnapshotDelta.between(latestTree, tree);
      if (SnapshotDelta.isEmpty(delta) && read.atMs() - lastPushMs < KEEPALIVE_MS) {
        return;
      }
      FeedUpdate update = new FeedUpdate(seq, text(tree), text(delta));
      metrics.snapshotMade(update.snapshotJson().getBytes(StandardCharsets.UTF_8).length);
      latestTree = tree;
      latest = update;
      lastPushMs = read.atMs();
      for (Consumer<FeedUpdate> subscriber : subscribers) {
        subscriber.accept(update);
      }
    } catch (RuntimeException e) {
      metrics.readFailed();
      if (!failing) {
        LOG.warn("reading the swarm failed; pages go stale until it works again", e);
        failing = true;
      }
    }
  }

  private String text(ObjectNode tree) {
    try {
      return json.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The newest step: seq 0 and an empty view before the first read of the swarm. */
  public FeedUpdate latest() {
    return latest;
  }

  public void subscribe(Consumer<FeedUpdate> subscriber) {
    subscribers.add(subscriber);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** What a page shows before the first read: nothing, and "CONNECTING". */
  static SwarmSnapshot empty() {
    return new SwarmSnapshot(
        "snapshot", 0, 0, "",
        new SwarmSnapshot.Summary("Queue: – · connecting to the swarm…", 0, 0, 0, 0, 0, 0, "CONNECTING"),
        Map.of(),
        new SwarmSnapshot.Queue(0, 0, -1, 0, -1),
        List.of(),
        new SwarmSnapshot.Failed(0, List.of()),
        List.of(),
        List.of(),
        new SwarmSnapshot.Utilisation(0, 0, Map.of()));
  }
}

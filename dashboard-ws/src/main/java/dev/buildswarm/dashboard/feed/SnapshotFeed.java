package dev.buildswarm.dashboard.feed;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a snapshot every {@code interval} (coalescing any number of drone reports in between into
 * one push) and hands it to subscribers when it changed, or at least every few seconds so pages can
 * tell they are live. Thread-safe.
 */
public final class SnapshotFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFeed.class);
  private static final long KEEPALIVE_MS = 5_000;

  private final SnapshotReader reader;
  private final ScheduledExecutorService timer;
  private final List<Consumer<SwarmSnapshot>> subscribers = new CopyOnWriteArrayList<>();
  private volatile SwarmSnapshot latest;
  private long seq; // confined to the timer thread
  private long lastPushMs; // confined to the timer thread

  public SnapshotFeed(SnapshotReader reader, Duration interval) {
    this.reader = reader;
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("snapshot-feed").factory());
    timer.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      SwarmSnapshot read = reader.read();
      SwarmSnapshot previous = latest;
      if (read.sameContentAs(previous) && read.atMs() - lastPushMs < KEEPALIVE_MS) {
        return;
      }
      SwarmSnapshot numbered = read.withSeq(++seq, read.atMs());
      latest = numbered;
      lastPushMs = read.atMs();
      for (Consumer<SwarmSnapshot> subscriber : subscribers) {
        subscriber.accept(numbered);
      }
    } catch (RuntimeException e) {
      LOG.warn("reading the swarm failed; the page shows stale data until it works: {}", e.toString());
    }
  }

  /**
   * The newest snapshot, or an empty one (sequence 0) before the first read. Never reads Redis
   * itself: callers include WebSocket handlers on Netty's event loop.
   */
  public SwarmSnapshot latest() {
    SwarmSnapshot current = latest;
    return current != null ? current : SwarmSnapshot.empty();
  }

  public void subscribe(Consumer<SwarmSnapshot> subscriber) {
    subscribers.add(subscriber);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

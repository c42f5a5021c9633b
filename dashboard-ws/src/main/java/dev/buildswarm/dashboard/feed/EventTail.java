package dev.buildswarm.dashboard.feed;

import dev.buildswarm.redis.EventEntries;
import dev.buildswarm.redis.RedisKeys;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.TreeMap;
import org.redisson.api.RStream;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.codec.StringCodec;

/**
 * Follows the swarm's event stream by cursor (its stream ids: lesson 10): keeps the newest events
 * for the page, counts finished packages per minute for the throughput chart, and notes which
 * packages failed or came back (retried, removed) so the failed list can be refreshed without
 * scanning. From its first read on it looks back up to an hour (a page per read), so a restarted
 * dashboard shows the same chart within a few reads. Confined to the feed's thread.
 */
final class EventTail {
  static final int KEEP_EVENTS = 50;
  static final int MINUTES = 60;
  private static final int PAGE = 2_000;
  private static final int MAX_PAGES_PER_READ = 10;
  private static final int LOOK_BACK_LIMIT = 50_000;
  /** Entries per read of the look-back: a grouped entry holds up to 32 events (lib.lua). */
  private static final int LOOK_BACK_PAGE = 1_000;

  private final RedissonClient redis;
  private final RedisKeys keys;
  private final Deque<SwarmSnapshot.Event> newest = new ArrayDeque<>();
  private final TreeMap<Long, long[]> perMinute = new TreeMap<>();
  private final SequencedSet<String> touchedPackages = new LinkedHashSet<>();
  private StreamMessageId cursor;
  /** The oldest event of the hour looked back at so far, while older ones remain; else null. */
  private StreamMessageId backCursor;
  private int lookedBack;

  EventTail(RedissonClient redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  private RStream<String, String> stream() {
    return redis.getStream(keys.events(), StringCodec.INSTANCE);
  }

  /** Reads what was added since the last call, and one more page of the hour before the first. */
  void read(long nowMs) {
    if (cursor == null) {
      lookBack(nowMs);
      return;
    }
    if (backCursor != null) {
      lookFurtherBack(nowMs);
    }
    for (int page = 0; page < MAX_PAGES_PER_READ; page++) {
      Map<StreamMessageId, Map<String, String>> batch =
          stream().range(StreamRangeArgs.startIdExclusive(cursor).endId(StreamMessageId.MAX).count(PAGE));
      batch.forEach(this::take);
      if (batch.size() < PAGE) {
        break;
      }
    }
    trimMinutes(nowMs);
  }

  /**
   * The newest events and the last page of the hour's finished packages; older pages of the hour
   * follow one per read ({@link #lookFurtherBack}). Reading the whole hour at once (up to 50,000
   * events) held the feed's first read for seconds on a busy swarm (bench/run-scale-bench).
   */
  private void lookBack(long nowMs) {
    long since = minuteOf(nowMs) - (MINUTES - 1) * 60_000L;
    Map<StreamMessageId, Map<String, String>> recent =
        stream().rangeReversed(LOOK_BACK_PAGE, StreamMessageId.MAX, new StreamMessageId(since, 0));
    List<Map.Entry<StreamMessageId, Map<String, String>>> ordered = new ArrayList<>(recent.entrySet());
    lookedBack = ordered.size();
    backCursor = ordered.size() == LOOK_BACK_PAGE ? ordered.get(ordered.size() - 1).getKey() : null;
    if (ordered.isEmpty()) {
      Map<StreamMessageId, Map<String, String>> last = stream().rangeReversed(KEEP_EVENTS, StreamMessageId.MAX, StreamMessageId.MIN);
      ordered.addAll(last.entrySet());
    }
    cursor = new StreamMessageId(0, 0);
    for (int i = ordered.size() - 1; i >= 0; i--) {
      take(ordered.get(i).getKey(), ordered.get(i).getValue());
    }
    touchedPackages.clear(); // the failed list reads its first view in full
    trimMinutes(nowMs);
  }

  /** One more page of the hour before the first read, older events first counted, not shown. */
  private void lookFurtherBack(long nowMs) {
    long since = minuteOf(nowMs) - (MINUTES - 1) * 60_000L;
    // Inclusive of the page's end, which was counted already: one more asked for and skipped.
    Map<StreamMessageId, Map<String, String>> older =
        stream().rangeReversed(LOOK_BACK_PAGE + 1, backCursor, new StreamMessageId(since, 0));
    StreamMessageId oldest = null;
    int counted = 0;
    for (Map.Entry<StreamMessageId, Map<String, String>> e : older.entrySet()) {
      if (e.getKey().equals(backCursor)) {
        continue;
      }
      oldest = e.getKey();
      counted++;
      for (Map<String, String> fields : EventEntries.expand(e.getValue())) {
        countFinished(e.getKey(), fields);
      }
    }
    lookedBack += counted;
    backCursor = counted == LOOK_BACK_PAGE && lookedBack < LOOK_BACK_LIMIT ? oldest : null;
  }

  private void countFinished(StreamMessageId id, Map<String, String> fields) {
    long ts = parseLong(fields.get("ts"), id.getId0());
    switch (fields.getOrDefault("type", "")) {
      case "done" -> perMinute.computeIfAbsent(minuteOf(ts), m -> new long[2])[0]++;
      case "failed" -> perMinute.computeIfAbsent(minuteOf(ts), m -> new long[2])[1]++;
      default -> {}
    }
  }

  private void take(StreamMessageId id, Map<String, String> entry) {
    cursor = id;
    for (Map<String, String> fields : EventEntries.expand(entry)) {
      takeEvent(id, fields);
    }
  }

  private void takeEvent(StreamMessageId id, Map<String, String> fields) {
    newest.addFirst(new SwarmSnapshot.Event(id.toString(), fields));
    while (newest.size() > KEEP_EVENTS) {
      newest.removeLast();
    }
    String type = fields.getOrDefault("type", "");
    countFinished(id, fields);
    switch (type) {
      case "failed", "retried", "removed", "cleared" -> {
        String pkg = fields.get("id");
        if (pkg != null) {
          touchedPackages.add(pkg);
        }
        if (type.equals("cleared")) {
          touchedPackages.add("*");
        }
      }
      default -> {}
    }
  }

  private void trimMinutes(long nowMs) {
    long oldest = minuteOf(nowMs) - (MINUTES - 1) * 60_000L;
    perMinute.headMap(oldest).clear();
  }

  private static long minuteOf(long ms) {
    return ms - Math.floorMod(ms, 60_000L);
  }

  /** The newest events, newest first. */
  List<SwarmSnapshot.Event> newest() {
    return List.copyOf(newest);
  }

  /** One entry per minute of the last hour, oldest first, zero where nothing finished. */
  List<SwarmSnapshot.Minute> throughput(long nowMs) {
    List<SwarmSnapshot.Minute> out = new ArrayList<>(MINUTES);
    long first = minuteOf(nowMs) - (MINUTES - 1) * 60_000L;
    for (int i = 0; i < MINUTES; i++) {
      long start = first + i * 60_000L;
      long[] n = perMinute.getOrDefault(start, new long[2]);
      out.add(new SwarmSnapshot.Minute(start, n[0], n[1]));
    }
    return out;
  }

  /** Ids of packages whose failed-ness may have changed since the last call ("*": all may have). */
  List<String> drainTouchedPackages() {
    List<String> out = new ArrayList<>(touchedPackages);
    touchedPackages.clear();
    return out;
  }

  private static long parseLong(String text, long otherwise) {
    try {
      return text == null ? otherwise : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}

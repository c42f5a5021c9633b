package dev.buildswarm.dashboard.feed;

import dev.buildswarm.redis.EventEntries;
import dev.buildswarm.redis.RedisKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.api.stream.StreamRangeArgs;
import org.redisson.client.codec.StringCodec;

/**
 * Older events, a page at a time, by cursor: the stream id of the oldest event the page holds
 * (lesson 10: an absolute order, never offsets). Read-only. Thread-safe.
 */
public final class EventPages {
  public static final int MAX_LIMIT = 500;
  private final RedissonClient redis;
  private final RedisKeys keys;

  public EventPages(RedissonClient redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /**
   * Up to {@code limit} events older than the {@code shown} newest events of the entry {@code
   * before} (a stream id), newest first: first the rest of that entry (an entry may hold several
   * events, and the page may show only its newest ones), then older entries, whole.
   */
  public List<SwarmSnapshot.Event> before(String before, int shown, int limit) {
    StreamMessageId cursor = parse(before);
    int n = Math.max(1, Math.min(MAX_LIMIT, limit));
    List<SwarmSnapshot.Event> out = new ArrayList<>(n);
    if (shown > 0) {
      redis.<String, String>getStream(keys.events(), StringCodec.INSTANCE)
          .range(StreamRangeArgs.startId(cursor).endId(cursor))
          .forEach((id, entry) -> {
            List<Map<String, String>> events = EventEntries.expand(entry);
            for (int i = events.size() - 1 - shown; i >= 0; i--) {
              out.add(new SwarmSnapshot.Event(id.toString(), events.get(i)));
            }
          });
    }
    Map<StreamMessageId, Map<String, String>> entries =
        redis.<String, String>getStream(keys.events(), StringCodec.INSTANCE)
            .rangeReversed(StreamRangeArgs.startIdExclusive(cursor).endId(StreamMessageId.MIN).count(n));
    // Whole entries (their events share the cursor), up to the first that reaches the limit.
    for (Map.Entry<StreamMessageId, Map<String, String>> entry : entries.entrySet()) {
      if (out.size() >= n) {
        break;
      }
      // Newest first: an entry's events go in backwards too.
      List<Map<String, String>> events = EventEntries.expand(entry.getValue());
      for (int i = events.size() - 1; i >= 0; i--) {
        out.add(new SwarmSnapshot.Event(entry.getKey().toString(), events.get(i)));
      }
    }
    return out;
  }

  static StreamMessageId parse(String cursor) {
    String[] parts = cursor.split("-", 2);
    try {
      return new StreamMessageId(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid event cursor '" + cursor + "': expected e.g. 1795379149561-0");
    }
  }
}

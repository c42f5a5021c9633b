package dev.buildswarm.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an entry of the swarm's event stream ({@link RedisKeys#events}) into the events it holds,
 * in order. Most entries hold one event. A successful build whose drone claimed its next package in
 * the same step ({@code complete.lua}) is written as one entry: a {@code done} event with the
 * claim in {@code next_id}, {@code next_atom}, {@code next_token}, {@code next_attempt}; it holds
 * that {@code done} event and then the {@code claimed} event, with the same stream id and time.
 * Every reader of the stream goes through here, so no reader sees the difference.
 */
public final class EventEntries {
  private static final List<String> NEXT = List.of("next_id", "next_atom", "next_token", "next_attempt");

  private EventEntries() {}

  /** The events of one stream entry, oldest first. */
  public static List<Map<String, String>> expand(Map<String, String> fields) {
    String nextId = fields.get("next_id");
    if (nextId == null) {
      return List.of(fields);
    }
    Map<String, String> done = new HashMap<>(fields);
    done.keySet().removeAll(NEXT);
    Map<String, String> claimed = new HashMap<>();
    claimed.put("type", "claimed");
    claimed.put("id", nextId);
    copy(fields, "ts", "ts", claimed);
    copy(fields, "next_atom", "atom", claimed);
    copy(fields, "drone", "drone", claimed);
    copy(fields, "next_token", "token", claimed);
    copy(fields, "next_attempt", "attempt", claimed);
    return List.of(done, claimed);
  }

  /** Whether an entry holds an event of this package (its own, or a claim of it). */
  public static boolean concerns(Map<String, String> fields, String packageId) {
    return packageId.equals(fields.get("id")) || packageId.equals(fields.get("next_id"));
  }

  private static void copy(Map<String, String> from, String name, String as, Map<String, String> to) {
    String value = from.get(name);
    if (value != null) {
      to.put(as, value);
    }
  }
}

package dev.buildswarm.redis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an entry of the swarm's event stream ({@link RedisKeys#events}) into the events it holds,
 * in order. Every reader of the stream goes through here, so no reader sees how they were packed.
 *
 * <ul>
 *   <li>Most entries hold one event: their fields.
 *   <li>A <b>group</b> ({@code type=group}) holds the events of one grouped script call (the verdicts
 *       or start reports the coordinator sent together, see {@code lib.lua}; a call with more than
 *       32 writes several groups, one after the other), in the order they happened, in its {@code
 *       events} field: one event per line, each line the event's fields,
 *       name and value alternately, separated by tabs; in a value a backslash, tab or newline is
 *       written {@code \\}, {@code \t} or {@code \n}.
 *   <li>A successful build whose drone claimed its next package in the same step ({@code
 *       complete.lua}) is one {@code done} event with the claim in {@code next_id}, {@code
 *       next_atom}, {@code next_token}, {@code next_attempt}: it is read as that {@code done} event
 *       and then the {@code claimed} event, with the same time.
 * </ul>
 *
 * <p>The events of one entry share its stream id, the cursor of every reader: a page of events
 * always holds whole entries.
 */
public final class EventEntries {
  private static final List<String> NEXT = List.of("next_id", "next_atom", "next_token", "next_attempt");

  private EventEntries() {}

  /** The events of one stream entry, oldest first. */
  public static List<Map<String, String>> expand(Map<String, String> fields) {
    if (!"group".equals(fields.get("type"))) {
      return withClaim(fields);
    }
    List<Map<String, String>> out = new ArrayList<>();
    String lines = fields.getOrDefault("events", "");
    int start = 0;
    while (start < lines.length()) {
      int end = lines.indexOf('\n', start);
      if (end < 0) {
        end = lines.length();
      }
      out.addAll(withClaim(line(lines, start, end)));
      start = end + 1;
    }
    return out;
  }

  /** Whether an entry holds an event of this package (its own, or a claim of it). */
  public static boolean concerns(Map<String, String> fields, String packageId) {
    if ("group".equals(fields.get("type"))) {
      return fields.getOrDefault("events", "").contains(packageId)
          && expand(fields).stream().anyMatch(e -> packageId.equals(e.get("id")));
    }
    return packageId.equals(fields.get("id")) || packageId.equals(fields.get("next_id"));
  }

  /** One line of a group: name, value, name, value... separated by tabs (a name without a value is dropped). */
  private static Map<String, String> line(String lines, int start, int end) {
    Map<String, String> event = new LinkedHashMap<>();
    int at = start;
    while (at < end) {
      int nameEnd = indexOfTab(lines, at, end);
      if (nameEnd == end) {
        break;
      }
      int valueEnd = indexOfTab(lines, nameEnd + 1, end);
      event.put(lines.substring(at, nameEnd), unescape(lines, nameEnd + 1, valueEnd));
      at = valueEnd + 1;
    }
    return event;
  }

  private static int indexOfTab(String s, int from, int end) {
    int i = s.indexOf('\t', from);
    return i < 0 || i > end ? end : i;
  }

  private static String unescape(String s, int start, int end) {
    int backslash = s.indexOf('\\', start);
    if (backslash < 0 || backslash >= end) {
      return s.substring(start, end);
    }
    StringBuilder out = new StringBuilder(end - start);
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < end) {
        char next = s.charAt(++i);
        out.append(next == 't' ? '\t' : next == 'n' ? '\n' : next);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A done event with its drone's next claim folded in: the two events; any other: itself. */
  private static List<Map<String, String>> withClaim(Map<String, String> fields) {
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

  private static void copy(Map<String, String> from, String name, String as, Map<String, String> to) {
    String value = from.get(name);
    if (value != null) {
      to.put(as, value);
    }
  }
}

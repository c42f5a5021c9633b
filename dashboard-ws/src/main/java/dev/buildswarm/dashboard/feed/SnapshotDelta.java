package dev.buildswarm.dashboard.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The difference between two snapshots as the page applies it (the same rules are in the page's
 * {@code applyDelta}):
 *
 * <pre>
 * {"type":"delta", "seq": n, "atMs": ...,
 *  "set":    {section: value, ...},     sections (summary, packages, queue, failed, throughput,
 *                                        utilisation) that changed, whole
 *  "drones": {"upsert": [drone...], "remove": [name...]},   only drones whose card changed
 *  "events": [event...]}                 events newer than the previous snapshot's newest, newest
 *                                        first; the page prepends them and keeps the newest 50
 * </pre>
 *
 * A delta with seq n applies to the state of seq n - 1 only. Stateless; thread-safe.
 */
public final class SnapshotDelta {
  private static final Set<String> HEAD = Set.of("type", "seq", "atMs", "drones", "events");

  private SnapshotDelta() {}

  /** The delta taking {@code from} to {@code to}; {@code to}'s seq and atMs are the delta's. */
  public static ObjectNode between(JsonNode from, JsonNode to) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode delta = f.objectNode();
    delta.put("type", "delta");
    delta.put("seq", to.get("seq").asLong());
    delta.put("atMs", to.get("atMs").asLong());
    ObjectNode set = f.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!HEAD.contains(field.getKey()) && !field.getValue().equals(from.get(field.getKey()))) {
        set.set(field.getKey(), field.getValue());
      }
    }
    delta.set("set", set);

    Map<String, JsonNode> before = new HashMap<>();
    for (JsonNode d : from.path("drones")) {
      before.put(d.get("name").asText(), d);
    }
    ArrayNode upsert = f.arrayNode();
    Set<String> seen = new HashSet<>();
    for (JsonNode d : to.path("drones")) {
      String name = d.get("name").asText();
      seen.add(name);
      if (!d.equals(before.get(name))) {
        upsert.add(d);
      }
    }
    ArrayNode remove = f.arrayNode();
    before.keySet().stream().filter(name -> !seen.contains(name)).sorted().forEach(remove::add);
    ObjectNode drones = f.objectNode();
    drones.set("upsert", upsert);
    drones.set("remove", remove);
    delta.set("drones", drones);

    String newestBefore = from.path("events").path(0).path("id").asText("");
    ArrayNode events = f.arrayNode();
    for (JsonNode e : to.path("events")) {
      if (e.get("id").asText().equals(newestBefore)) {
        break;
      }
      events.add(e);
    }
    delta.set("events", events);
    return delta;
  }

  /** True when the delta carries nothing but its sequence number (a keep-alive at most). */
  public static boolean isEmpty(JsonNode delta) {
    return delta.get("set").isEmpty()
        && delta.get("drones").get("upsert").isEmpty()
        && delta.get("drones").get("remove").isEmpty()
        && delta.get("events").isEmpty();
  }

  /**
   * Applies a delta to a snapshot's tree, as the page does; returns the new tree. The reference for
   * the page's code, and what the protocol tests check the page's rules against.
   */
  public static ObjectNode apply(JsonNode snapshot, JsonNode delta) {
    ObjectNode out = snapshot.deepCopy();
    out.put("seq", delta.get("seq").asLong());
    out.put("atMs", delta.get("atMs").asLong());
    delta.get("set").fields().forEachRemaining(e -> out.set(e.getKey(), e.getValue()));
    Map<String, JsonNode> drones = new java.util.TreeMap<>();
    for (JsonNode d : snapshot.path("drones")) {
      drones.put(d.get("name").asText(), d);
    }
    for (JsonNode name : delta.get("drones").get("remove")) {
      drones.remove(name.asText());
    }
    for (JsonNode d : delta.get("drones").get("upsert")) {
      drones.put(d.get("name").asText(), d);
    }
    ArrayNode list = out.putArray("drones");
    drones.values().forEach(list::add);
    ArrayNode events = JsonNodeFactory.instance.arrayNode();
    delta.get("events").forEach(events::add);
    for (JsonNode e : snapshot.path("events")) {
      if (events.size() >= EventTail.KEEP_EVENTS) {
        break;
      }
      events.add(e);
    }
    out.set("events", events);
    return out;
  }
}

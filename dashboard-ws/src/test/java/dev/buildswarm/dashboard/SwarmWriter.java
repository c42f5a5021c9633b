package dev.buildswarm.dashboard;

import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisKeys;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;

/**
 * Writes swarm state into a test's Redis in the formats the coordinator's scripts write
 * (coordinator/src/main/resources/lua: drone_bucket.lua for buckets, enqueue/claim/started/fail.lua
 * for package records, counts and events, append_log.lua for logs). The dashboard only reads, so
 * its tests may stand in for the coordinator; docs/architecture.md says why.
 */
public final class SwarmWriter {
  private final RedissonClient redis;
  private final RedisKeys keys;

  public SwarmWriter(RedissonClient redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** The fields drone_bucket.lua's HSET writes for a session's heartbeat. */
  public static Map<String, String> bucket(String name, int cores, int slots, List<String> running, long nowMs) {
    Map<String, String> fields = new HashMap<>();
    fields.put(DroneBucket.NAME, name);
    fields.put(DroneBucket.HOST, name + ".lan");
    fields.put(DroneBucket.STATE, running.isEmpty() ? DroneBucket.IDLE : DroneBucket.BUILDING);
    fields.put(DroneBucket.CORES, String.valueOf(cores));
    fields.put(DroneBucket.SLOTS, String.valueOf(slots));
    fields.put(DroneBucket.SPEED_FACTOR, "1.0");
    fields.put(DroneBucket.RUNNING, String.join("\n", running));
    fields.put(DroneBucket.VERSION, "0.1.0-test");
    fields.put(DroneBucket.LAST_HEARTBEAT_MS, String.valueOf(nowMs));
    fields.put(DroneBucket.COORDINATOR, "test-coordinator");
    fields.put(DroneBucket.LOAD_AVERAGE, "1.25");
    fields.put(DroneBucket.FREE_DISK_BYTES, String.valueOf(120L << 30));
    fields.put(DroneBucket.MEMORY_AVAILABLE_BYTES, String.valueOf(24L << 30));
    fields.put(DroneBucket.CAPABILITIES, "arch=amd64\nprofile=default/linux/amd64/23.0");
    fields.put(DroneBucket.SESSION, "session-" + name);
    return fields;
  }

  /** One drone's bucket and its index entry, as one session's write does. */
  public void drone(String name, int cores, int slots, List<String> running, long nowMs) {
    drone(name, bucket(name, cores, slots, running, nowMs));
  }

  public void drone(String name, Map<String, String> fields) {
    RBatch batch = redis.createBatch();
    batch.<String, String>getMap(keys.droneBucket(name)).putAllAsync(fields);
    batch.<String>getSet(keys.droneIndex()).addAsync(name);
    batch.execute();
  }

  /** What drone_control.lua / fail.lua write to ground a drone. */
  public void ground(String name, String reason, long nowMs) {
    redis.<String, String>getMap(keys.droneBucket(name))
        .putAll(Map.of(DroneBucket.GROUNDED, reason, DroneBucket.GROUNDED_MS, String.valueOf(nowMs)));
  }

  /** A package as enqueue.lua writes it, in a state with its index and count (ids are numbers). */
  public void pkg(String id, String atom, String state, long expectedMs, long nowMs, Map<String, String> more) {
    Map<String, String> fields = new HashMap<>();
    fields.put("id", id);
    fields.put("atom", atom);
    fields.put("key", atom.replaceFirst("^[<>=~!]*", "").replaceFirst("-[0-9].*$", ""));
    fields.put("state", state);
    fields.put("priority", "0");
    fields.put("score", String.valueOf(-(expectedMs / 1000)));
    fields.put("expected_ms", String.valueOf(expectedMs));
    fields.put("attempt", "0");
    fields.put("failures", "0");
    fields.put("losses", "0");
    fields.put("enqueued_ms", String.valueOf(nowMs));
    fields.put("updated_ms", String.valueOf(nowMs));
    fields.putAll(more);
    RBatch batch = redis.createBatch();
    batch.<String, String>getMap(keys.pkg(id)).putAllAsync(fields);
    switch (state) {
      case "queued" -> batch.getScoredSortedSet(keys.ready()).addAsync(-(expectedMs / 1000.0), String.format("%012d", Long.parseLong(id)));
      case "claimed", "building" -> batch.getScoredSortedSet(keys.leases()).addAsync(nowMs + 30_000, id);
      default -> {}
    }
    if (state.equals("done") || state.equals("failed") || state.equals("cancelled")) {
      batch.<String>getSet(keys.endedIn(state)).addAsync(id);
    } else {
      batch.<String, String>getMap(keys.activeAtoms()).putAsync(atom, id);
    }
    batch.getMap(keys.stateCounts()).addAndGetAsync(state, 1);
    batch.execute();
  }

  /** Moves a package from one state to another, as a script does (record, indexes, counts). */
  public void move(String id, String atom, String from, String to, Map<String, String> more) {
    RBatch batch = redis.createBatch();
    Map<String, String> fields = new HashMap<>(more);
    fields.put("state", to);
    batch.<String, String>getMap(keys.pkg(id)).putAllAsync(fields);
    batch.getMap(keys.stateCounts()).addAndGetAsync(from, -1);
    batch.getMap(keys.stateCounts()).addAndGetAsync(to, 1);
    if (from.equals("queued")) {
      batch.getScoredSortedSet(keys.ready()).removeAsync(String.format("%012d", Long.parseLong(id)));
    }
    if (to.equals("done") || to.equals("failed") || to.equals("cancelled")) {
      batch.getScoredSortedSet(keys.leases()).removeAsync(id);
      batch.<String, String>getMap(keys.activeAtoms()).removeAsync(atom);
      batch.<String>getSet(keys.endedIn(to)).addAsync(id);
    }
    batch.execute();
  }

  /** An event as lib.lua's event() writes it: ts first, then the fields. */
  public void event(long nowMs, String... fields) {
    Map<String, String> entry = new java.util.LinkedHashMap<>();
    entry.put("ts", String.valueOf(nowMs));
    for (int i = 0; i + 1 < fields.length; i += 2) {
      entry.put(fields[i], fields[i + 1]);
    }
    redis.<String, String>getStream(keys.events()).add(StreamAddArgs.entries(entry));
  }

  /**
   * Build output as append_log.lua keeps it: one list per attempt (the package's current one), one
   * entry per chunk, newest last, and the count of chunks ever appended in the package's record.
   */
  public void log(String id, String... chunks) {
    String attempt = redis.<String, String>getMap(keys.pkg(id)).getOrDefault("attempt", "1");
    int n = Math.max(1, Integer.parseInt(attempt));
    redis.<String>getList(keys.log(id, n)).addAll(List.of(chunks));
    redis.<String, Long>getMap(keys.pkg(id)).addAndGet("log_chunks:" + n, chunks.length);
  }
}

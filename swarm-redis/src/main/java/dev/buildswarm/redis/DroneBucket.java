package dev.buildswarm.redis;

import java.util.List;
import java.util.Map;

/**
 * The fields of a drone's state bucket ({@link RedisKeys#droneBucket}), as the coordinator writes
 * them and the dashboard and status read them. Immutable.
 *
 * @param name drone name
 * @param host host name it reported
 * @param state {@code idle}, {@code building} or {@code offline}
 * @param cores cores it gives to builds
 * @param slots builds it runs at once
 * @param running package ids (with atoms, as {@code id=atom}) it is building
 * @param version drone software version
 * @param lastHeartbeatMs epoch ms of its last message
 * @param coordinator which coordinator holds its session
 * @param built packages it finished successfully since registering
 * @param failed packages that failed on it since registering
 */
public record DroneBucket(
    String name,
    String host,
    String state,
    int cores,
    int slots,
    List<String> running,
    String version,
    long lastHeartbeatMs,
    String coordinator,
    long built,
    long failed) {

  public static final String NAME = "name";
  public static final String HOST = "host";
  public static final String STATE = "state";
  public static final String CORES = "cores";
  public static final String SLOTS = "slots";
  public static final String RUNNING = "running";
  public static final String VERSION = "version";
  public static final String LAST_HEARTBEAT_MS = "last_heartbeat_ms";
  public static final String COORDINATOR = "coordinator";
  public static final String BUILT = "built";
  public static final String FAILED = "failed";
  /** Which session currently owns the bucket; only it may write (see drone_bucket.lua). */
  public static final String SESSION = "session";

  public static final String IDLE = "idle";
  public static final String BUILDING = "building";
  public static final String OFFLINE = "offline";

  /**
   * Reads a bucket's hash. A drone whose last heartbeat is older than {@code staleAfterMs} at
   * {@code nowMs} is shown offline whatever its bucket says: its coordinator may have died.
   */
  public static DroneBucket fromHash(Map<String, String> hash, long nowMs, long staleAfterMs) {
    long heartbeat = parseLong(hash.get(LAST_HEARTBEAT_MS));
    String state = hash.getOrDefault(STATE, OFFLINE);
    if (nowMs - heartbeat > staleAfterMs) {
      state = OFFLINE;
    }
    String running = hash.getOrDefault(RUNNING, "");
    return new DroneBucket(
        hash.getOrDefault(NAME, ""),
        hash.getOrDefault(HOST, ""),
        state,
        (int) parseLong(hash.get(CORES)),
        (int) parseLong(hash.get(SLOTS)),
        running.isEmpty() ? List.of() : List.of(running.split("\n")),
        hash.getOrDefault(VERSION, ""),
        heartbeat,
        hash.getOrDefault(COORDINATOR, ""),
        parseLong(hash.get(BUILT)),
        parseLong(hash.get(FAILED)));
  }

  private static long parseLong(String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

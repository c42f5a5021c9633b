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
 * @param speedFactor its relative speed, 1.0 = reference machine
 * @param groundedReason why it is grounded (claims nothing until an operator ungrounds it); empty
 *     when it is not
 * @param draining whether it finishes its running builds and takes nothing new
 * @param loadAverage its host's 1-minute load average at the last heartbeat; negative if unknown
 * @param freeDiskBytes free space where its builds write, at the last heartbeat
 * @param memoryAvailableBytes its host's available memory at the last heartbeat; 0 if unknown
 * @param capabilities what the host is (arch, profile, ...), as the drone reported
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
    long failed,
    double speedFactor,
    String groundedReason,
    boolean draining,
    double loadAverage,
    long freeDiskBytes,
    long memoryAvailableBytes,
    Map<String, String> capabilities) {

  public DroneBucket {
    running = List.copyOf(running);
    capabilities = Map.copyOf(capabilities);
  }

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
  public static final String SPEED_FACTOR = "speed_factor";
  /** Why the drone is grounded; empty or absent when it is not. Written by the queue scripts. */
  public static final String GROUNDED = "grounded";
  public static final String GROUNDED_MS = "grounded_ms";
  /** "1" while the drone drains. Written by the queue scripts. */
  public static final String DRAINING = "draining";
  public static final String LOAD_AVERAGE = "load_average";
  public static final String FREE_DISK_BYTES = "free_disk_bytes";
  public static final String MEMORY_AVAILABLE_BYTES = "memory_available_bytes";
  /** One {@code key=value} per line. */
  public static final String CAPABILITIES = "capabilities";
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
        parseLong(hash.get(FAILED)),
        parseDouble(hash.get(SPEED_FACTOR), 1.0),
        hash.getOrDefault(GROUNDED, ""),
        !hash.getOrDefault(DRAINING, "").isEmpty(),
        parseDouble(hash.get(LOAD_AVERAGE), -1),
        parseLong(hash.get(FREE_DISK_BYTES)),
        parseLong(hash.get(MEMORY_AVAILABLE_BYTES)),
        capabilities(hash.getOrDefault(CAPABILITIES, "")));
  }

  public boolean grounded() {
    return !groundedReason.isEmpty();
  }

  /** Reads {@code key=value} lines. */
  private static Map<String, String> capabilities(String text) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  private static double parseDouble(String text, double otherwise) {
    if (text == null || text.isEmpty()) {
      return otherwise;
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return otherwise;
    }
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

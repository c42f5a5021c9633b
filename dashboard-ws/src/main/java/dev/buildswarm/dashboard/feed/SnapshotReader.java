package dev.buildswarm.dashboard.feed;

import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.SwarmReader;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads one merged snapshot from Redis. Thread-safe. */
public final class SnapshotReader {
  private final SwarmReader reader;
  private final String swarm;
  private final Clock clock;
  private final long staleAfterMs;

  public SnapshotReader(SwarmReader reader, String swarm, Clock clock, long staleAfterMs) {
    this.reader = reader;
    this.swarm = swarm;
    this.clock = clock;
    this.staleAfterMs = staleAfterMs;
  }

  public SwarmSnapshot read() {
    long now = clock.millis();
    Map<String, Long> packages = new TreeMap<>();
    for (String state : List.of("blocked", "queued", "delayed", "claimed", "building", "done", "failed", "cancelled")) {
      packages.put(state, 0L);
    }
    reader.packageCounts().forEach((state, n) -> packages.merge(state, n, Long::sum));
    List<SwarmSnapshot.Drone> drones = new ArrayList<>();
    long building = 0;
    long idle = 0;
    long offline = 0;
    long coresActive = 0;
    for (DroneBucket b : reader.drones(now, staleAfterMs)) {
      drones.add(
          new SwarmSnapshot.Drone(
              b.name(), b.host(), b.state(), b.cores(), b.slots(), b.running(), b.version(),
              Math.max(0, now - b.lastHeartbeatMs()), b.built(), b.failed()));
      switch (b.state()) {
        case DroneBucket.BUILDING -> {
          building++;
          coresActive += b.cores();
        }
        case DroneBucket.IDLE -> idle++;
        default -> offline++;
      }
    }
    long total = packages.values().stream().mapToLong(Long::longValue).sum();
    long active = packages.get("claimed") + packages.get("building");
    long waiting = packages.get("queued") + packages.get("delayed") + packages.get("blocked");
    String state;
    if (active > 0 || (waiting > 0 && building + idle > 0)) {
      state = "BUILDING";
    } else if (waiting > 0) {
      state = "WAITING";
    } else {
      state = packages.get("done") + packages.get("failed") + packages.get("cancelled") > 0 ? "FINISHED" : "IDLE";
    }
    return new SwarmSnapshot(
        "snapshot", 0, now, swarm, packages, drones,
        new SwarmSnapshot.Summary(total, building, idle, offline, coresActive, state));
  }
}

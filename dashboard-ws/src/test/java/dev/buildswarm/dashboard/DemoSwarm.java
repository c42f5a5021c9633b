package dev.buildswarm.dashboard;

import dev.buildswarm.redis.RedisKeys;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamAddArgs;
import org.redisson.api.stream.StreamMessageId;

/** A believable swarm at work for the screenshot: six drones, a queue, an hour of finished builds. */
final class DemoSwarm {
  private DemoSwarm() {}

  static void write(SwarmWriter swarm, RedissonClient redis, RedisKeys keys, long now) {
    Random random = new Random(5);
    String[][] building = {
      {"201", "=dev-lang/rust-1.75.0", "5400000", "2400000"},
      {"202", "=sys-devel/gcc-13.2.0", "4200000", "3900000"},
      {"203", "=www-client/firefox-121.0", "6000000", "1200000"},
      {"204", "=dev-qt/qtwebengine-6.6.1", "7200000", "300000"},
      {"205", "=dev-lang/python-3.12.1", "900000", "600000"},
      {"206", "=media-libs/mesa-23.3.2", "1500000", "200000"},
    };
    for (String[] b : building) {
      swarm.pkg(b[0], b[1], "building", Long.parseLong(b[2]), now,
          Map.of("started_ms", String.valueOf(now - Long.parseLong(b[3]))));
    }
    for (int i = 0; i < 140; i++) {
      swarm.pkg(String.valueOf(300 + i), "=app-misc/demo" + i + "-1.0", i < 100 ? "queued" : "blocked",
          60_000 + random.nextInt(900_000), now, Map.of());
    }
    swarm.drone("builder-01", 24, 2, List.of("201=" + building[0][1], "202=" + building[1][1]), now - 800);
    swarm.drone("builder-02", 16, 2, List.of("203=" + building[2][1], "204=" + building[3][1]), now - 2_100);
    swarm.drone("builder-03", 8, 1, List.of("205=" + building[4][1]), now - 400);
    swarm.drone("builder-04", 8, 1, List.of("206=" + building[5][1]), now - 3_300);
    swarm.drone("builder-05", 4, 1, List.of(), now - 1_200);
    swarm.drone("builder-06", 4, 1, List.of(), now - 900);
    swarm.ground("builder-06", "3 drone failures in a row; last: =dev-libs/boost-1.84.0: No space left on device", now);
    for (int i = 0; i < 60; i++) {
      swarm.pkg(String.valueOf(1000 + i), "=dev-libs/done" + i + "-1", "done", 60_000, now, Map.of());
    }
    swarm.pkg("1100", "=dev-libs/boost-1.84.0", "failed", 1_800_000, now,
        Map.of("reason", "build failed (exit 1): No space left on device", "drone", "builder-06",
            "last_class", "DRONE", "finished_ms", String.valueOf(now - 600_000)));
    swarm.log("1100", ">>> Compiling source in /var/tmp/portage/dev-libs/boost-1.84.0/work\n",
        "libs/filesystem/src/operations.cpp:1132: error: write failed\n"
            + "cc1plus: fatal error: error writing to /var/tmp/ccXyZ.s: No space left on device\n"
            + " * ERROR: dev-libs/boost-1.84.0::gentoo failed (compile phase)\n");
    // An hour of finished builds for the throughput chart.
    long seq = 0;
    long last = 0;
    for (int minute = 59; minute >= 1; minute--) {
      int n = 2 + random.nextInt(7);
      for (int k = 0; k < n; k++) {
        long ts = Math.max(last + 1, now - minute * 60_000L + k * 1_000L);
        last = ts;
        seq++;
        String type = random.nextInt(25) == 0 ? "failed" : "done";
        redis.<String, String>getStream(keys.events())
            .add(new StreamMessageId(ts, 0),
                StreamAddArgs.entries(Map.of("ts", String.valueOf(ts), "type", type, "id", String.valueOf(2000 + seq),
                    "atom", "=app-misc/built" + seq + "-1", "drone", "builder-0" + (1 + random.nextInt(5)))));
      }
    }
    swarm.event(now, "type", "grounded", "drone", "builder-06", "reason", "3 drone failures in a row");
  }
}

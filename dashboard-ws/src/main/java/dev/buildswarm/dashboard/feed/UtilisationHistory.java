package dev.buildswarm.dashboard.feed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Busy slots per drone over time: every read adds a sample; every {@code stepMs} the samples of the
 * step become one column (their mean). Kept in memory only: a restarted dashboard starts the chart
 * afresh, which loses nothing that matters. Confined to the feed's thread.
 */
final class UtilisationHistory {
  static final int COLUMNS = 60;
  private static final String LEVELS = "0123456789X";

  private final long stepMs;
  private final Map<String, double[]> pending = new HashMap<>(); // name -> {sum, samples}
  private final Map<String, StringBuilder> rows = new TreeMap<>();
  private long stepEndMs = -1;
  private int columns;

  UtilisationHistory(long stepMs) {
    this.stepMs = stepMs;
  }

  /** One sample: busy fraction per online drone (offline drones are simply absent). */
  void sample(long nowMs, Map<String, Double> busy, List<String> allDrones) {
    if (stepEndMs < 0) {
      stepEndMs = nowMs - Math.floorMod(nowMs, stepMs) + stepMs;
    }
    while (nowMs >= stepEndMs) {
      closeColumn(allDrones);
      stepEndMs += stepMs;
    }
    busy.forEach(
        (name, fraction) -> {
          double[] acc = pending.computeIfAbsent(name, n -> new double[2]);
          acc[0] += fraction;
          acc[1]++;
        });
  }

  private void closeColumn(List<String> allDrones) {
    for (String name : allDrones) {
      rows.computeIfAbsent(name, n -> new StringBuilder(".".repeat(columns)));
    }
    rows.keySet().retainAll(allDrones);
    for (Map.Entry<String, StringBuilder> row : rows.entrySet()) {
      double[] acc = pending.get(row.getKey());
      char level = '.';
      if (acc != null && acc[1] > 0) {
        level = LEVELS.charAt((int) Math.round(Math.min(1.0, Math.max(0.0, acc[0] / acc[1])) * 10));
      }
      row.getValue().append(level);
      if (row.getValue().length() > COLUMNS) {
        row.getValue().deleteCharAt(0);
      }
    }
    columns = Math.min(COLUMNS, columns + 1);
    pending.clear();
  }

  SwarmSnapshot.Utilisation view() {
    Map<String, String> out = new TreeMap<>();
    rows.forEach((name, row) -> out.put(name, row.toString()));
    return new SwarmSnapshot.Utilisation(stepMs, stepEndMs < 0 ? 0 : stepEndMs - stepMs, out);
  }

  List<String> names() {
    return new ArrayList<>(rows.keySet());
  }
}

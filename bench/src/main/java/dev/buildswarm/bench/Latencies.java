package dev.buildswarm.bench;

import java.util.Arrays;

/** Recorded latencies (any unit) and their percentiles. Thread-safe. */
final class Latencies {
  private long[] values = new long[1024];
  private int size;

  synchronized void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  synchronized void clear() {
    size = 0;
  }

  synchronized int count() {
    return size;
  }

  /** The q-th quantile (0..1) by nearest rank; -1 when nothing was recorded. */
  synchronized long quantile(double q) {
    if (size == 0) {
      return -1;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    return sorted[(int) Math.min(size - 1, Math.max(0, Math.ceil(q * size) - 1))];
  }
}

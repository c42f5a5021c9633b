package dev.buildswarm.coordinator.domain;

/**
 * How much build output one drone may send: a bucket of {@code burstBytes} refilled at {@code
 * bytesPerSecond}. A chunk that does not fit is dropped whole; the next one that fits says how
 * much was dropped and names the limit, so a reader of the log knows it has a hole. A drone that
 * floods (a build stuck printing in a loop) thus costs Redis a bounded rate. Thread-safe.
 */
public final class LogRate {
  /** The default: far above what emerge prints, far below what hurts Redis. */
  public static final long DEFAULT_BYTES_PER_SECOND = 512 * 1024;
  public static final long DEFAULT_BURST_BYTES = 4L * 1024 * 1024;

  private final long bytesPerSecond;
  private final long burstBytes;
  private double available;
  private long lastMs;
  private long dropped;

  public LogRate(long bytesPerSecond, long burstBytes, long nowMs) {
    if (bytesPerSecond <= 0 || burstBytes <= 0) {
      throw new IllegalArgumentException("log rate and burst must be above 0");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = burstBytes;
    this.available = burstBytes;
    this.lastMs = nowMs;
  }

  public static LogRate standard(long nowMs) {
    return new LogRate(DEFAULT_BYTES_PER_SECOND, DEFAULT_BURST_BYTES, nowMs);
  }

  /** The chunk to store, or null when it is dropped. Chunks are counted in UTF-16 chars, close enough to bytes for a limit. */
  public synchronized String admit(String chunk, long nowMs) {
    if (nowMs > lastMs) {
      available = Math.min(burstBytes, available + (nowMs - lastMs) * bytesPerSecond / 1000.0);
      lastMs = nowMs;
    }
    if (chunk.length() > available) {
      dropped += chunk.length();
      return null;
    }
    available -= chunk.length();
    if (dropped == 0) {
      return chunk;
    }
    String note = "[buildswarm: " + dropped + " bytes of build output dropped: over the coordinator's log limit of "
        + (bytesPerSecond % 1024 == 0 ? bytesPerSecond / 1024 + " KiB/s" : bytesPerSecond + " bytes/s") + " per drone]\n";
    dropped = 0;
    return note + chunk;
  }
}

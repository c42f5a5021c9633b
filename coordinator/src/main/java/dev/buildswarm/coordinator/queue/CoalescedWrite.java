package dev.buildswarm.coordinator.queue;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a write at most once per interval, and always of the latest state: used for a drone's
 * bucket (see DroneSession) and the work signal to other coordinators. A change asks for a write,
 * made off the caller's thread (so a verdict or an assignment never waits for it): the first
 * change after a quiet interval is written at once, later changes within the interval are
 * gathered into one write at its end, which reads the state as it is then. So no change is lost;
 * a reader sees it at most one interval (plus the write's own time) late. {@link #now} writes at
 * once, on the caller's thread, for what must be seen at once.
 *
 * <p>The write itself reads the state it writes, so this class holds none of it. Writes never
 * overlap (one lock), so an older state can never land after a newer one.
 *
 * <p>Thread-safe.
 */
public final class CoalescedWrite {
  private static final Logger LOG = LoggerFactory.getLogger(CoalescedWrite.class);

  /** Runs a task after a delay, off the caller's thread. */
  public interface Timer {
    void after(long delayNanos, Runnable task);
  }

  /**
   * The coordinator's timer: one daemon thread that only hands each due write to a virtual thread,
   * so a slow Redis delays no other drone's write.
   */
  public static final Timer SHARED_TIMER = new Timer() {
    private final ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("coalesced-writes").factory());

    @Override
    public void after(long delayNanos, Runnable task) {
      scheduler.schedule(() -> Thread.ofVirtual().name("coalesced-write").start(task), delayNanos, TimeUnit.NANOSECONDS);
    }
  };

  private final String name;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Timer timer;
  private final Runnable write;
  private final ReentrantLock writing = new ReentrantLock();
  /** A change not written yet. Guarded by {@code this}. */
  private boolean dirty;
  /** A write at the interval's end is scheduled. Guarded by {@code this}. */
  private boolean scheduled;
  /** When the last write started (nanoTime); {@code written} false before the first. Guarded by {@code this}. */
  private long lastStart;
  private boolean written;

  /**
   * @param name what is written, for the log when a scheduled write fails
   * @param interval the least time between the starts of two writes made for changes
   * @param write reads the current state and writes it; may throw
   */
  public CoalescedWrite(String name, Duration interval, LongSupplier nanoTime, Timer timer, Runnable write) {
    this.name = name;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.timer = timer;
    this.write = write;
  }

  /**
   * Something the written state changed (call after changing it): written at once when the last
   * write started an interval ago or more, else at the end of the interval; either way on the
   * timer's thread, not the caller's.
   */
  public void changed() {
    long delay;
    synchronized (this) {
      dirty = true;
      if (scheduled) {
        return;
      }
      scheduled = true;
      delay = written ? Math.max(0, lastStart + intervalNanos - nanoTime.getAsLong()) : 0;
    }
    timer.after(delay, this::flush);
  }

  /**
   * Writes at once with {@code special} (which must write the current state too), taking any
   * change not written yet with it.
   *
   * @throws RuntimeException the write's
   */
  public void now(Runnable special) {
    synchronized (this) {
      started(nanoTime.getAsLong());
    }
    writeLocked(special);
  }

  /** The scheduled write. */
  private void flush() {
    synchronized (this) {
      scheduled = false;
      if (!dirty) {
        return; // a write made at once since took it
      }
      started(nanoTime.getAsLong());
    }
    try {
      writeLocked(write);
    } catch (RuntimeException e) {
      // Redis unreachable, say. The change stays pending: the next change or heartbeat writes it.
      LOG.warn("could not write {}: {}", name, e.toString());
    }
  }

  /** Guarded by {@code this}: a write of the current state starts now. */
  private void started(long now) {
    dirty = false;
    written = true;
    lastStart = now;
  }

  /** Writes; a write that fails leaves the change pending. */
  private void writeLocked(Runnable w) {
    writing.lock();
    try {
      w.run();
    } catch (RuntimeException e) {
      synchronized (this) {
        dirty = true;
      }
      throw e;
    } finally {
      writing.unlock();
    }
  }
}

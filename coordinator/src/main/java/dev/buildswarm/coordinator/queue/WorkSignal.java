package dev.buildswarm.coordinator.queue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * "Work may be ready": wakes every drone session waiting for work on this coordinator, at once,
 * instead of letting them poll. Thread-safe.
 */
public final class WorkSignal {
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** Registers a listener; closing the result removes it. Listeners must not block. */
  public AutoCloseable subscribe(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public void wakeLocal() {
    for (Runnable listener : listeners) {
      listener.run();
    }
  }
}

package dev.buildswarm.coordinator.queue;

import java.util.List;

/**
 * An atom to queue as an entry point received it (unvalidated text), with the atoms it waits for.
 */
public record EnqueueItem(String atom, List<String> after) {
  public EnqueueItem {
    after = List.copyOf(after);
  }

  public static EnqueueItem of(String atom) {
    return new EnqueueItem(atom, List.of());
  }
}

package dev.buildswarm.coordinator.queue;

import java.util.List;

/**
 * An atom to queue as an entry point received it (unvalidated text), with the atoms it waits for.
 *
 * @param priority its own priority, or null for the request's
 */
public record EnqueueItem(String atom, List<String> after, Integer priority) {
  public EnqueueItem {
    after = List.copyOf(after);
  }

  public EnqueueItem(String atom, List<String> after) {
    this(atom, after, null);
  }

  public static EnqueueItem of(String atom) {
    return new EnqueueItem(atom, List.of());
  }
}

package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import java.util.List;

/**
 * One atom to queue and the atoms it must wait for (its build dependencies): each one is either
 * in the same request or already in the swarm.
 *
 * @param priority its own priority, or null for the request's
 */
public record QueuedAtom(Atom atom, List<Atom> after, Integer priority) {
  public QueuedAtom {
    after = List.copyOf(after);
  }

  /** At the request's priority. */
  public QueuedAtom(Atom atom, List<Atom> after) {
    this(atom, after, null);
  }
}

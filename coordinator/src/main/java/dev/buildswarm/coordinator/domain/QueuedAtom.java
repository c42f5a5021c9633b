package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import java.util.List;

/**
 * One atom to queue and the atoms it must wait for (its build dependencies): each one is either
 * in the same request or already in the swarm.
 */
public record QueuedAtom(Atom atom, List<Atom> after) {
  public QueuedAtom {
    after = List.copyOf(after);
  }
}

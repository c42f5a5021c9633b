package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders a request so every atom comes after the atoms of the same request it depends on, and
 * refuses cycles. Dependencies on atoms outside the request are left for the queue to check
 * (they must be in the swarm already, so they cannot close a cycle with new atoms).
 */
public final class DependencyOrder {
  /** More dependencies than this on one package is a mistake, not a build graph. */
  public static final int MAX_DEPENDENCIES = 1000;

  private DependencyOrder() {}

  /**
   * @throws IllegalArgumentException naming the cycle, a self-dependency, or too many dependencies
   */
  public static List<QueuedAtom> order(List<QueuedAtom> request) {
    // The same atom more than once: one package, waiting for everything any entry asked, at the
    // first priority given. Merged through a set (linear however many entries name it) and held to
    // the limit once merged.
    Map<String, Merging> merging = new LinkedHashMap<>();
    for (QueuedAtom item : request) {
      for (Atom dep : item.after()) {
        if (dep.toString().equals(item.atom().toString())) {
          throw new IllegalArgumentException(item.atom() + " depends on itself");
        }
      }
      Merging one = merging.computeIfAbsent(item.atom().toString(), k -> new Merging(item.atom()));
      one.add(item);
      if (one.after.size() > MAX_DEPENDENCIES) {
        throw new IllegalArgumentException(
            item.atom() + " has " + one.after.size() + " dependencies; the limit is " + MAX_DEPENDENCIES);
      }
    }
    Map<String, QueuedAtom> byAtom = new LinkedHashMap<>();
    merging.forEach((key, one) -> byAtom.put(key, new QueuedAtom(one.atom, List.copyOf(one.after), one.priority)));
    List<QueuedAtom> ordered = new ArrayList<>(byAtom.size());
    Map<String, Integer> mark = new HashMap<>(); // 1 = on the current path, 2 = placed
    for (QueuedAtom item : byAtom.values()) {
      visit(item, byAtom, mark, ordered);
    }
    return ordered;
  }

  /** One atom's entries gathered so far; confined to one {@link #order} call. */
  private static final class Merging {
    private final Atom atom;
    private final Set<Atom> after = new LinkedHashSet<>();
    private Integer priority;

    Merging(Atom atom) {
      this.atom = atom;
    }

    void add(QueuedAtom entry) {
      after.addAll(entry.after());
      if (priority == null) {
        priority = entry.priority();
      }
    }
  }

  /**
   * Depth-first, dependencies before dependents, with an explicit stack: an imported merge order
   * is a chain as long as the import (thousands), deeper than a thread's stack.
   */
  private static void visit(
      QueuedAtom start, Map<String, QueuedAtom> byAtom, Map<String, Integer> mark, List<QueuedAtom> ordered) {
    if (mark.containsKey(start.atom().toString())) {
      return;
    }
    // Each frame: the item and how many of its dependencies were looked at.
    Deque<Object[]> stack = new ArrayDeque<>();
    List<String> path = new ArrayList<>();
    stack.push(new Object[] {start, 0});
    mark.put(start.atom().toString(), 1);
    path.add(start.atom().toString());
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      QueuedAtom item = (QueuedAtom) frame[0];
      int next = (Integer) frame[1];
      if (next < item.after().size()) {
        frame[1] = next + 1;
        String dep = item.after().get(next).toString();
        QueuedAtom inRequest = byAtom.get(dep);
        if (inRequest == null) {
          continue;
        }
        Integer state = mark.get(dep);
        if (state != null && state == 1) {
          List<String> cycle = new ArrayList<>(path.subList(path.indexOf(dep), path.size()));
          cycle.add(dep);
          throw new IllegalArgumentException("dependency cycle: " + String.join(" -> ", cycle));
        }
        if (state == null) {
          mark.put(dep, 1);
          path.add(dep);
          stack.push(new Object[] {inRequest, 0});
        }
        continue;
      }
      stack.pop();
      path.remove(path.size() - 1);
      mark.put(item.atom().toString(), 2);
      ordered.add(item);
    }
  }
}

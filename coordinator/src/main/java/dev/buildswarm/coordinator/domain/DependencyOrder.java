package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    Map<String, QueuedAtom> byAtom = new LinkedHashMap<>();
    for (QueuedAtom item : request) {
      if (item.after().size() > MAX_DEPENDENCIES) {
        throw new IllegalArgumentException(
            item.atom() + " has " + item.after().size() + " dependencies; the limit is " + MAX_DEPENDENCIES);
      }
      for (Atom dep : item.after()) {
        if (dep.toString().equals(item.atom().toString())) {
          throw new IllegalArgumentException(item.atom() + " depends on itself");
        }
      }
      // The same atom twice in one request: one package, waiting for everything either asked.
      byAtom.merge(
          item.atom().toString(),
          item,
          (first, second) -> {
            List<Atom> after = new ArrayList<>(first.after());
            second.after().stream().filter(a -> !after.contains(a)).forEach(after::add);
            return new QueuedAtom(first.atom(), after);
          });
    }
    List<QueuedAtom> ordered = new ArrayList<>(byAtom.size());
    Map<String, Integer> mark = new HashMap<>(); // 1 = on the current path, 2 = placed
    for (QueuedAtom item : byAtom.values()) {
      visit(item, byAtom, mark, new ArrayList<>(), ordered);
    }
    return ordered;
  }

  private static void visit(
      QueuedAtom item, Map<String, QueuedAtom> byAtom, Map<String, Integer> mark, List<String> path, List<QueuedAtom> ordered) {
    String name = item.atom().toString();
    Integer state = mark.get(name);
    if (state != null && state == 2) {
      return;
    }
    if (state != null && state == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      throw new IllegalArgumentException("dependency cycle: " + String.join(" -> ", cycle));
    }
    mark.put(name, 1);
    path.add(name);
    for (Atom dep : item.after()) {
      QueuedAtom inRequest = byAtom.get(dep.toString());
      if (inRequest != null) {
        visit(inRequest, byAtom, mark, path, ordered);
      }
    }
    path.remove(path.size() - 1);
    mark.put(name, 2);
    ordered.add(item);
  }
}

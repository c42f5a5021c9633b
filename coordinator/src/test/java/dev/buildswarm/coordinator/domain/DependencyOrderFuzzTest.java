package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link DependencyOrder} on random requests (duplicates, self-dependencies, cycles, outside atoms,
 * long chains): it either orders every atom once after its dependencies in the request, or refuses
 * with a message naming the problem, exactly when an independent check finds one.
 */
class DependencyOrderFuzzTest {

  @Test
  void randomRequestsAreOrderedOrRefusedForTheRightReason() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(2_000);
    for (int i = 0; i < iterations; i++) {
      int pool = 1 + random.nextInt(random.nextInt(40) == 0 ? 3_000 : 12);
      List<QueuedAtom> request = new ArrayList<>();
      int size = 1 + random.nextInt(pool * 2);
      boolean chain = random.nextInt(10) == 0;
      for (int n = 0; n < size; n++) {
        int self = chain ? n % pool : random.nextInt(pool);
        List<Atom> after = new ArrayList<>();
        if (chain) {
          if (self > 0) {
            after.add(atom(self - 1));
          }
        } else {
          int deps = random.nextInt(4);
          for (int d = 0; d < deps; d++) {
            // Sometimes an atom outside the request, which is left for the queue to check.
            after.add(random.nextInt(8) == 0 ? atom(pool + random.nextInt(5)) : atom(random.nextInt(pool)));
          }
        }
        request.add(new QueuedAtom(atom(self), after, random.nextBoolean() ? null : random.nextInt()));
      }
      check(request, i);
    }
  }

  private static Atom atom(int n) {
    return Atom.parse("=app-misc/p" + n + "-1");
  }

  private static void check(List<QueuedAtom> request, int iteration) {
    String context = Fuzz.replay(iteration, request.size() + " items, first " + request.get(0));
    String problem = independentProblem(request);
    List<QueuedAtom> ordered;
    try {
      ordered = DependencyOrder.order(request);
    } catch (IllegalArgumentException refused) {
      assertTrue(problem != null, "refused a request without a cycle: " + refused.getMessage() + context);
      assertTrue(refused.getMessage().contains(problem), refused.getMessage() + " should say " + problem + context);
      return;
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("DependencyOrder.order crashed" + context, crash);
    }
    assertEquals(null, problem, "a request with a " + problem + " was ordered" + context);
    Set<String> wanted = new LinkedHashSet<>();
    request.forEach(q -> wanted.add(q.atom().toString()));
    Map<String, Integer> position = new HashMap<>();
    for (QueuedAtom q : ordered) {
      assertEquals(null, position.put(q.atom().toString(), position.size()), "twice: " + q.atom() + context);
    }
    assertEquals(wanted, position.keySet(), "every atom once" + context);
    for (QueuedAtom q : request) {
      for (Atom dep : q.after()) {
        Integer before = position.get(dep.toString());
        if (before != null) {
          assertTrue(before < position.get(q.atom().toString()), dep + " before " + q.atom() + context);
        }
      }
    }
  }

  /** "depends on itself", "dependency cycle" or null, found by removing what depends on nothing. */
  private static String independentProblem(List<QueuedAtom> request) {
    Map<String, Set<String>> deps = new HashMap<>();
    for (QueuedAtom q : request) {
      deps.computeIfAbsent(q.atom().toString(), k -> new HashSet<>());
    }
    for (QueuedAtom q : request) {
      for (Atom dep : q.after()) {
        if (dep.equals(q.atom())) {
          return "depends on itself";
        }
        if (deps.containsKey(dep.toString())) {
          deps.get(q.atom().toString()).add(dep.toString());
        }
      }
    }
    boolean removed = true;
    while (removed && !deps.isEmpty()) {
      List<String> free = deps.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
      removed = !free.isEmpty();
      free.forEach(deps::remove);
      deps.values().forEach(s -> s.removeAll(free));
    }
    return deps.isEmpty() ? null : "dependency cycle";
  }
}

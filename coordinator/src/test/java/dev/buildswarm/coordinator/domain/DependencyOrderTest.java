package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class DependencyOrderTest {

  private static QueuedAtom item(String atom, String... after) {
    return new QueuedAtom(Atom.parse(atom), List.of(after).stream().map(Atom::parse).toList());
  }

  @Test
  void dependenciesComeFirstWhateverTheOrderGiven() {
    List<QueuedAtom> ordered =
        DependencyOrder.order(
            List.of(
                item("=app-misc/c-1", "=app-misc/b-1"),
                item("=app-misc/b-1", "=app-misc/a-1"),
                item("=app-misc/a-1"),
                item("=app-misc/d-1", "=app-misc/outside-1")));
    List<String> names = ordered.stream().map(q -> q.atom().toString()).toList();
    assertEquals(List.of("=app-misc/a-1", "=app-misc/b-1", "=app-misc/c-1", "=app-misc/d-1"), names);
  }

  @Test
  void aCycleIsRefusedAndNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DependencyOrder.order(
                    List.of(
                        item("=app-misc/a-1", "=app-misc/c-1"),
                        item("=app-misc/b-1", "=app-misc/a-1"),
                        item("=app-misc/c-1", "=app-misc/b-1"))));
    assertTrue(e.getMessage().startsWith("dependency cycle: "), e.getMessage());
    assertTrue(e.getMessage().contains("=app-misc/a-1 -> =app-misc/c-1 -> =app-misc/b-1 -> =app-misc/a-1"), e.getMessage());
  }

  @Test
  void aChainAsLongAsABigImportIsOrderedWithoutRunningOutOfStack() {
    List<QueuedAtom> chain = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      List<Atom> after = i == 0 ? List.of() : List.of(Atom.parse("=app-misc/p" + (i - 1) + "-1"));
      chain.add(new QueuedAtom(Atom.parse("=app-misc/p" + i + "-1"), after));
    }
    Collections.reverse(chain);
    List<QueuedAtom> ordered = DependencyOrder.order(chain);
    assertEquals(10_000, ordered.size());
    assertEquals("=app-misc/p0-1", ordered.get(0).atom().toString());
    assertEquals("=app-misc/p9999-1", ordered.get(9_999).atom().toString());
  }

  @Test
  void anAtomNamedTwiceIsOnePackageWaitingForWhatEitherAsked() {
    List<QueuedAtom> ordered =
        DependencyOrder.order(
            List.of(
                item("=app-misc/b-1", "=app-misc/x-1"),
                item("=app-misc/a-1"),
                item("=app-misc/b-1", "=app-misc/a-1", "=app-misc/x-1")));
    assertEquals(2, ordered.size());
    assertEquals("=app-misc/a-1", ordered.get(0).atom().toString());
    assertEquals(
        List.of("=app-misc/x-1", "=app-misc/a-1"), ordered.get(1).after().stream().map(Atom::toString).toList());
  }

  @Test
  void theDependencyLimitHoldsForAnAtomMergedFromManyEntries() {
    // An edge list: one atom in 1,001 entries, each with one more dependency.
    List<QueuedAtom> edges = new ArrayList<>();
    for (int i = 0; i <= DependencyOrder.MAX_DEPENDENCIES; i++) {
      edges.add(item("=app-misc/hub-1", "=app-misc/leaf" + i + "-1"));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DependencyOrder.order(edges));
    assertTrue(e.getMessage().contains("=app-misc/hub-1 has 1001 dependencies; the limit is 1000"), e.getMessage());
  }

  @Test
  void aPackageCannotWaitForItself() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DependencyOrder.order(List.of(item("=app-misc/a-1", "=app-misc/a-1"))));
    assertTrue(e.getMessage().contains("depends on itself"), e.getMessage());
  }

  @Test
  void retryDelaysDoubleUpToTheCap() {
    RetryPolicy policy = new RetryPolicy(5, java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(2), 0.5);
    assertEquals(30, policy.delayAfter(1).toSeconds());
    assertEquals(60, policy.delayAfter(2).toSeconds());
    assertEquals(120, policy.delayAfter(3).toSeconds());
    assertEquals(120, policy.delayAfter(9).toSeconds());
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, java.time.Duration.ZERO, java.time.Duration.ZERO, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(1), 0));
  }
}

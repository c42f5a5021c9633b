package dev.buildswarm.coordinator.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

  @Test
  void everyCallerGetsTheResultOfItsOwnRequest() throws Exception {
    AtomicInteger steps = new AtomicInteger();
    List<Integer> biggest = new ArrayList<>(List.of(0));
    GroupCommit<Integer, String> group =
        new GroupCommit<>("test", 2, 8, batch -> {
          steps.incrementAndGet();
          synchronized (biggest) {
            biggest.set(0, Math.max(biggest.get(0), batch.size()));
          }
          return batch.stream().map(n -> "result of " + n).toList();
        });
    List<Future<String>> results = new ArrayList<>();
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 500; i++) {
        int n = i;
        results.add(callers.submit(() -> group.submit(n)));
      }
    }
    for (int i = 0; i < 500; i++) {
      assertEquals("result of " + i, results.get(i).get());
    }
    assertTrue(biggest.get(0) <= 8, "no batch is larger than the bound: " + biggest.get(0));
    assertTrue(steps.get() <= 500);
  }

  @Test
  void aStepThatFailsFailsItsCallersAndTheNextStepsRunOn() {
    GroupCommit<String, String> group =
        new GroupCommit<>("test", 1, 8, batch -> {
          if (batch.contains("bad")) {
            throw new IllegalStateException("Redis said no");
          }
          return batch;
        });
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> group.submit("bad"));
    assertEquals("Redis said no", e.getMessage());
    assertEquals("good", group.submit("good"));
  }

  @Test
  void aStepThatAnswersTheWrongNumberOfResultsIsAnError() {
    GroupCommit<String, String> group = new GroupCommit<>("test", 1, 8, batch -> List.of());
    assertThrows(IllegalStateException.class, () -> group.submit("one"));
  }

  @Test
  void anImpossibleSizeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new GroupCommit<String, String>("test", 0, 8, b -> b));
    assertThrows(IllegalArgumentException.class, () -> new GroupCommit<String, String>("test", 1, 0, b -> b));
  }
}

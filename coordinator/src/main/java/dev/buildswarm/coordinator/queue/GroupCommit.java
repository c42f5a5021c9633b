package dev.buildswarm.coordinator.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * Group commit: many callers hand in requests at once (verdicts of many drone sessions), and
 * {@code writers} threads each take what is waiting, up to {@code maxBatch}, and apply it in one
 * step, which returns one result per request in order. A caller blocks on its own result only.
 *
 * <p>Nothing here is needed for correctness: a batch is applied in one atomic step or not at all
 * as far as its callers know (each gets the step's error), exactly as a lone request would be;
 * requests still waiting when the process dies are lost like calls in flight, and their senders
 * resend them. Thread-safe.
 *
 * @param <R> a request
 * @param <T> its result
 */
public final class GroupCommit<R, T> {
  private record Pending<R, T>(R request, CompletableFuture<T> result) {}

  private final BlockingQueue<Pending<R, T>> waiting = new LinkedBlockingQueue<>();
  private final Function<List<R>, List<T>> apply;
  private final int maxBatch;

  /**
   * @param apply applies a batch in one step; returns one result per request, in order
   * @param writers how many batches may be in flight at once (while one is applied, the next
   *     gathers)
   */
  public GroupCommit(String name, int writers, int maxBatch, Function<List<R>, List<T>> apply) {
    if (writers < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("group commit needs at least one writer and a batch of one");
    }
    this.apply = apply;
    this.maxBatch = maxBatch;
    for (int i = 0; i < writers; i++) {
      Thread.ofVirtual().name(name + "-writer-" + i).start(this::write);
    }
  }

  /**
   * Applies the request with whatever else is waiting and returns its result.
   *
   * @throws RuntimeException the step's own, when the batch could not be applied
   */
  public T submit(R request) {
    try {
      return submitAsync(request).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /**
   * Hands the request in with whatever else is waiting; the future completes with its result, or
   * with the step's own exception when the batch could not be applied, on a writer thread.
   */
  public CompletableFuture<T> submitAsync(R request) {
    Pending<R, T> pending = new Pending<>(request, new CompletableFuture<>());
    waiting.add(pending);
    return pending.result();
  }

  private void write() {
    List<Pending<R, T>> batch = new ArrayList<>(maxBatch);
    List<R> requests = new ArrayList<>(maxBatch);
    while (true) {
      try {
        batch.add(waiting.take());
      } catch (InterruptedException e) {
        return;
      }
      waiting.drainTo(batch, maxBatch - 1);
      for (Pending<R, T> p : batch) {
        requests.add(p.request());
      }
      try {
        List<T> results = apply.apply(requests);
        if (results.size() != batch.size()) {
          throw new IllegalStateException(
              "group commit: " + results.size() + " results for " + batch.size() + " requests");
        }
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.get(i));
        }
      } catch (RuntimeException | Error e) {
        for (Pending<R, T> p : batch) {
          p.result().completeExceptionally(e);
        }
      }
      batch.clear();
      requests.clear();
    }
  }
}

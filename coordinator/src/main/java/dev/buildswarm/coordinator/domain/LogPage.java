package dev.buildswarm.coordinator.domain;

import java.util.List;

/**
 * Build output of one attempt, from a chunk index on.
 *
 * @param next the chunk index to read from next time
 * @param state the package's state now
 */
public record LogPage(int attempt, List<String> chunks, long next, String state) {
  public LogPage {
    chunks = List.copyOf(chunks);
  }
}

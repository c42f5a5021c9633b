package dev.buildswarm.coordinator.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a package is in its life. The names are what Redis stores and what operators read.
 *
 * <pre>
 * blocked --last dependency done--> queued --claim--> claimed --started--> building --> done
 *                                     ^  ^               |                   |
 *                                     |  +-- lease lost / given back --------+
 *                                     +-- backoff over -- delayed <-- transient failure
 *                                   permanent failure, attempts exhausted --> failed
 *                                   cancel (any state that has not ended) --> cancelled
 * </pre>
 *
 * Drawn again in docs/architecture.md; the transitions themselves are the Lua scripts.
 */
public enum PackageState {
  BLOCKED,
  QUEUED,
  DELAYED,
  CLAIMED,
  BUILDING,
  DONE,
  FAILED,
  CANCELLED;

  /** The name stored in Redis and shown to operators. */
  /**
   * The state of a wire name ({@code queued}, {@code done}, ...).
   *
   * @throws IllegalArgumentException naming the states there are
   */
  public static PackageState fromWire(String name) {
    for (PackageState state : values()) {
      if (state.wireName().equals(name)) {
        return state;
      }
    }
    List<String> names = new ArrayList<>();
    for (PackageState state : values()) {
      names.add(state.wireName());
    }
    throw new IllegalArgumentException("unknown state '" + name + "' (" + String.join(", ", names) + ")");
  }

  public String wireName() {
    return name().toLowerCase();
  }
}

package dev.buildswarm.coordinator.domain;

/**
 * Where a package is in its life. The names are what Redis stores and what operators read.
 *
 * <pre>
 * queued --claim--> claimed --started--> building --success--> done
 *   ^                  |                     |
 *   +-- lease expired -+---------------------+--failure--> failed
 * </pre>
 *
 * The queue engine (retries with backoff, dependencies, cancel) adds states; see
 * docs/architecture.md.
 */
public enum PackageState {
  QUEUED,
  CLAIMED,
  BUILDING,
  DONE,
  FAILED;

  /** The name stored in Redis and shown to operators. */
  public String wireName() {
    return name().toLowerCase();
  }

  public boolean terminal() {
    return switch (this) {
      case QUEUED, CLAIMED, BUILDING -> false;
      case DONE, FAILED -> true;
    };
  }

  public static PackageState fromWireName(String name) {
    return valueOf(name.toUpperCase());
  }
}

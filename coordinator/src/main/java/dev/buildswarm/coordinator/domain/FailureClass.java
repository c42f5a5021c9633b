package dev.buildswarm.coordinator.domain;

/** Why a build failed, which decides whether it is tried again. */
public enum FailureClass {
  /** Fetch or network trouble, a timeout, an OOM kill, a lost drone: try again after a backoff. */
  TRANSIENT,
  /** A build error, a bad atom, no such package: fail at once, trying again cannot help. */
  PERMANENT,
  /** The host is broken (disk full, toolchain missing): try again elsewhere; counts against the drone. */
  DRONE
}

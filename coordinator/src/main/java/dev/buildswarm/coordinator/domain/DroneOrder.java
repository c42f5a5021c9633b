package dev.buildswarm.coordinator.domain;

import java.util.Locale;

/** An operator's order to one drone. */
public enum DroneOrder {
  /** Claims nothing until ungrounded; its running builds go on. */
  GROUND,
  /** Claims again; its failure streaks start from zero. */
  UNGROUND,
  /** Finishes its running builds, takes nothing new. */
  DRAIN,
  UNDRAIN;

  /** As the scripts and the CLI spell it: {@code ground}, {@code unground}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

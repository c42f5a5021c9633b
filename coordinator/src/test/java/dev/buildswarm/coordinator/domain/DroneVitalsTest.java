package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Vitals as a drone may send them, found by ProtoMappingFuzzTest. */
class DroneVitalsTest {

  @Test
  void impossibleValuesBecomeUnknownInsteadOfReachingTheDashboard() {
    // NaN would be written to the drone's bucket and on to the dashboard's JSON, where it is invalid.
    assertEquals(DroneVitals.UNKNOWN, new DroneVitals(Double.NaN, -1, Long.MIN_VALUE));
    assertEquals(-1, new DroneVitals(Double.POSITIVE_INFINITY, 0, 0).loadAverage());
    assertEquals(-1, new DroneVitals(-3.5, 0, 0).loadAverage());
  }

  @Test
  void realValuesAreKept() {
    assertEquals(new DroneVitals(0.0, 5, 7), new DroneVitals(0.0, 5, 7));
    assertEquals(2.5, new DroneVitals(2.5, 5, 7).loadAverage());
    assertEquals(5, new DroneVitals(2.5, 5, 7).freeDiskBytes());
  }
}

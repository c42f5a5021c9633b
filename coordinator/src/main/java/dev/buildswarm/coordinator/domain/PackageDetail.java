package dev.buildswarm.coordinator.domain;

import java.util.List;
import java.util.Map;

/**
 * One package as {@code swarm queue show} shows it.
 *
 * @param record every field of the package
 * @param transitions its events among the most recent of the swarm, oldest first
 * @param logTail the last lines of its last attempt's build output
 */
public record PackageDetail(String id, Map<String, String> record, List<SwarmEvent> transitions, List<String> logTail) {
  public PackageDetail {
    record = Map.copyOf(record);
    transitions = List.copyOf(transitions);
    logTail = List.copyOf(logTail);
  }
}

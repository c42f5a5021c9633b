package dev.buildswarm.coordinator.domain;

import java.util.Map;

/**
 * One recorded transition.
 *
 * @param id its place in the absolute order (a Redis stream id such as {@code 1795379149561-0});
 *     the cursor to read on from
 * @param fields type, ts, id, atom, drone, token, reason and so on, as the transition recorded them
 */
public record SwarmEvent(String id, Map<String, String> fields) {
  public SwarmEvent {
    fields = Map.copyOf(fields);
  }
}

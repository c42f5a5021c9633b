package dev.buildswarm.coordinator.queue;

/** Tells every coordinator of the swarm that work may be ready (they then wake their sessions). */
public interface WorkBroadcast {
  void publish();
}

package dev.buildswarm.dashboard.ws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.dashboard.feed.SnapshotFeed;
import dev.buildswarm.dashboard.feed.SwarmSnapshot;
import io.micronaut.websocket.WebSocketBroadcaster;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;
import java.io.UncheckedIOException;

/**
 * {@code /ws}: a snapshot on connect, then a snapshot whenever the swarm changes (at most one per
 * feed interval). A client that sends {@code "snapshot"} gets the current one at once, e.g. after it
 * noticed a gap in sequence numbers. Read-only: nothing a client sends changes the swarm.
 */
@ServerWebSocket("/ws")
public class DashboardSocket {
  private final WebSocketBroadcaster broadcaster;
  private final SnapshotFeed feed;
  private final ObjectMapper json;

  public DashboardSocket(WebSocketBroadcaster broadcaster, SnapshotFeed feed, ObjectMapper json) {
    this.broadcaster = broadcaster;
    this.feed = feed;
    this.json = json;
    feed.subscribe(snapshot -> broadcaster.broadcastAsync(toJson(snapshot)));
  }

  private String toJson(SwarmSnapshot snapshot) {
    try {
      return json.writeValueAsString(snapshot);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @OnOpen
  public void onOpen(WebSocketSession session) {
    session.sendAsync(toJson(feed.latest()));
  }

  @OnMessage(maxPayloadLength = 1024)
  public void onMessage(String message, WebSocketSession session) {
    if ("snapshot".equals(message.trim())) {
      session.sendAsync(toJson(feed.latest()));
    }
  }

  @OnClose
  public void onClose(WebSocketSession session) {
    // Nothing to release: sessions hold no state here.
  }
}

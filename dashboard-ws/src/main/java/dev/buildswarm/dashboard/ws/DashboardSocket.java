package dev.buildswarm.dashboard.ws;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.dashboard.feed.DashboardMetrics;
import dev.buildswarm.dashboard.feed.SnapshotFeed;
import io.micronaut.websocket.WebSocketBroadcaster;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;
import java.io.IOException;

/**
 * {@code /ws}, the page's feed:
 *
 * <ol>
 *   <li>on connect the server sends the current {@code snapshot} (with its {@code seq});
 *   <li>then a {@code delta} per feed step, seq + 1 each (see {@code SnapshotDelta}), at most one
 *       per feed interval, and one a second when nothing changes;
 *   <li>a client that sees a delta whose seq is not its seq + 1 sends {@code {"type":"resync"}}
 *       and gets the current snapshot; it ignores deltas older than what it has.
 * </ol>
 *
 * Read-only: nothing a client sends here changes the swarm (operator actions are HTTP calls that
 * go through the coordinator's admin API). Thread-safe: holds no state of its own (the client count
 * is in {@link DashboardMetrics}); sends never read Redis.
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@ServerWebSocket("/ws")
public class DashboardSocket {
  private final SnapshotFeed feed;
  private final ObjectMapper json;
  private final DashboardMetrics metrics;

  public DashboardSocket(
      WebSocketBroadcaster broadcaster, SnapshotFeed feed, ObjectMapper json, DashboardMetrics metrics) {
    this.feed = feed;
    this.json = json;
    this.metrics = metrics;
    feed.subscribe(
        update -> {
          broadcaster.broadcastAsync(update.deltaJson());
          metrics.deltaBroadcast();
        });
  }

  @OnOpen
  public void onOpen(WebSocketSession session) {
    metrics.clientConnected();
    sendSnapshot(session);
  }

  @OnClose
  public void onClose(WebSocketSession session) {
    metrics.clientLeft();
  }

  private void sendSnapshot(WebSocketSession session) {
    session.sendAsync(feed.latest().snapshotJson());
    metrics.snapshotSent();
  }

  @OnMessage(maxPayloadLength = 1024)
  public void onMessage(String message, WebSocketSession session) {
    if (wantsSnapshot(message)) {
      sendSnapshot(session);
    }
  }

  /** {@code {"type":"resync"}}; the bare word {@code snapshot} of the first version also works. */
  private boolean wantsSnapshot(String message) {
    String text = message.trim();
    if (text.equals("snapshot") || text.equals("resync")) {
      return true;
    }
    try {
      JsonNode node = json.readTree(text);
      return node != null && "resync".equals(node.path("type").asText());
    } catch (IOException notJson) {
      return false;
    }
  }
}

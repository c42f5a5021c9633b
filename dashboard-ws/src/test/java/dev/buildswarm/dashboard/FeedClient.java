package dev.buildswarm.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket client of {@code /ws} that hands out the messages it receives, in order. */
final class FeedClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final WebSocket socket;
  private final java.util.concurrent.CompletableFuture<Integer> closedWith = new java.util.concurrent.CompletableFuture<>();

  FeedClient(int port) throws Exception {
    socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://localhost:" + port + "/ws"),
                new WebSocket.Listener() {
                  private final StringBuilder partial = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      messages.add(partial.toString());
                      partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                    closedWith.complete(statusCode);
                    return null;
                  }

                  @Override
                  public void onError(WebSocket ws, Throwable error) {
                    closedWith.complete(-1);
                  }
                })
            .get(10, TimeUnit.SECONDS);
  }

  /** The next message, or an error after {@code seconds}. */
  JsonNode next(int seconds) throws Exception {
    String text = messages.poll(seconds, TimeUnit.SECONDS);
    if (text == null) {
      throw new AssertionError("no message from /ws within " + seconds + " s");
    }
    return JSON.readTree(text);
  }

  /** The close code the server ended the connection with (-1: an error), waiting up to {@code seconds}. */
  int closedWith(int seconds) throws Exception {
    return closedWith.get(seconds, TimeUnit.SECONDS);
  }

  void send(String text) throws Exception {
    socket.sendText(text, true).get(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    socket.abort();
  }
}

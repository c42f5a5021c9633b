// A TCP proxy that can cut the network of whatever talks through it, as a partition would: while
// the control file exists, no byte moves in either direction and no new connection reaches the
// target, but nothing is closed or reset either, so both sides just stop hearing each other (their
// kernel buffers fill, as when packets are dropped). When the file goes, the held bytes flow on.
// The chaos soak (deploy-scripts/chaos-soak) puts one drone behind it; a drone process paused with
// SIGSTOP would be less faithful, since its build child would be paused too.
//
// Run as a single-file source program (no build step, no privileges):
//   java BlackHoleProxy.java LISTEN_PORT TARGET_HOST:TARGET_PORT CONTROL_FILE
// It prints "listening on PORT" once it accepts connections.

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

public class BlackHoleProxy {
  private static volatile boolean cut;

  public static void main(String[] args) throws Exception {
    if (args.length != 3 || !args[1].contains(":")) {
      System.err.println("usage: java BlackHoleProxy.java LISTEN_PORT TARGET_HOST:TARGET_PORT CONTROL_FILE");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    String host = args[1].substring(0, args[1].lastIndexOf(':'));
    int targetPort = Integer.parseInt(args[1].substring(args[1].lastIndexOf(':') + 1));
    Path control = Path.of(args[2]);
    // One poller, so the pumps read a flag rather than stat the file for every chunk.
    Thread.ofPlatform().daemon().start(() -> {
      boolean was = false;
      while (true) {
        boolean now = Files.exists(control);
        if (now != was) {
          System.out.println(now ? "network cut" : "network restored");
          was = now;
        }
        cut = now;
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      System.out.println("listening on " + port);
      while (true) {
        Socket client = server.accept();
        Thread.ofVirtual().start(() -> connect(client, host, targetPort));
      }
    }
  }

  private static void connect(Socket client, String host, int port) {
    awaitNetwork();
    Socket target;
    try {
      target = new Socket(host, port);
    } catch (IOException e) {
      closeQuietly(client);
      return;
    }
    Thread.ofVirtual().start(() -> pump(client, target));
    Thread.ofVirtual().start(() -> pump(target, client));
  }

  private static void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitNetwork();
        out.write(buffer, 0, n);
        out.flush();
      }
      // An end of stream is news from the other side too: held while the network is cut.
      awaitNetwork();
    } catch (IOException e) {
      // One side went away: close both.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void awaitNetwork() {
    while (cut) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}

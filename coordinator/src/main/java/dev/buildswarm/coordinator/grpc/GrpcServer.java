package dev.buildswarm.coordinator.grpc;

import io.grpc.ServerServiceDefinition;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The coordinator's gRPC server. Calls run on virtual threads, so handlers may block on Redis
 * without holding a transport thread. Thread-safe.
 */
public final class GrpcServer implements AutoCloseable {
  private final Server server;
  private final ExecutorService executor;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** {@code tls}: {@link ServerTls#PLAINTEXT}, or the certificate (and drone CA) to serve with. */
  public GrpcServer(String bindHost, int port, ServerTls tls, List<ServerServiceDefinition> services) {
    // Files are read before anything is started, so a bad one leaves nothing to clean up.
    io.grpc.ServerCredentials credentials = tls.credentials();
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    // Event loops of its own, not gRPC's shared ones: closing this server then closes every one of
    // its connections, whatever else (a drone in the same JVM, in tests) uses gRPC.
    this.boss = new NioEventLoopGroup(1);
    this.workers = new NioEventLoopGroup(2);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(bindHost, port), credentials)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(NioServerSocketChannel.class)
            .executor(executor)
            // An emerge.log for ImportHistory is the largest message expected.
            .maxInboundMessageSize(17 * 1024 * 1024)
            // Finds half-open drone connections, so their sessions end and their slots free up.
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    services.forEach(builder::addService);
    this.server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      executor.shutdownNow();
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new UncheckedIOException(
          "could not start gRPC on " + bindHost + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /** Every service this server answers, with its methods (the access test walks them all). */
  public List<ServerServiceDefinition> services() {
    return server.getServices();
  }

  /** The port actually bound (useful when 0 was asked for). */
  public int port() {
    return server.getPort();
  }

  /** Idempotent: the shutdown listener calls it first, bean destruction again. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Drone sessions never end by themselves, so waiting long for them is pointless: give short
    // calls a moment, then cut. Drones reconnect and resend unacknowledged verdicts.
    server.shutdown();
    try {
      if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

package dev.buildswarm.coordinator;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import dev.buildswarm.coordinator.access.SwarmAccess;
import dev.buildswarm.coordinator.binhost.ArtifactStore;
import dev.buildswarm.coordinator.binhost.BinhostHook;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.drones.Dispatcher;
import dev.buildswarm.coordinator.drones.DroneSessions;
import dev.buildswarm.coordinator.grpc.AdminServiceEndpoint;
import dev.buildswarm.coordinator.grpc.DroneCertificates;
import dev.buildswarm.coordinator.grpc.DroneServiceEndpoint;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.grpc.TokenGate;
import dev.buildswarm.coordinator.grpc.ServerTls;
import io.grpc.ServerInterceptors;
import dev.buildswarm.coordinator.leases.LeaseReaper;
import dev.buildswarm.coordinator.metrics.CoordinatorMetrics;
import dev.buildswarm.coordinator.queue.CoordinatorSettings;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.coordinator.queue.WorkSignal;
import dev.buildswarm.coordinator.redis.LuaScripts;
import dev.buildswarm.coordinator.redis.RedisDroneBuckets;
import dev.buildswarm.coordinator.redis.RedisJobQueue;
import dev.buildswarm.coordinator.redis.RedisStopBroadcast;
import dev.buildswarm.coordinator.redis.RedisWorkBroadcast;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.ShutdownEvent;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.redisson.api.RedissonClient;
import org.slf4j.LoggerFactory;

/**
 * Wires the coordinator. The classes it builds are plain Java (no Micronaut in them), so they are
 * tested without a container; this factory is the only place that knows the framework.
 */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@Factory
public class CoordinatorBeans {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Singleton
  CoordinatorSettings settings(
      @Value("${buildswarm.swarm:local}") String swarm,
      @Value("${buildswarm.lease-ttl:30s}") Duration leaseTtl,
      @Value("${buildswarm.heartbeat-interval:5s}") Duration heartbeat,
      @Value("${buildswarm.reap-interval:1s}") Duration reap,
      @Value("${buildswarm.max-losses:3}") int maxLosses,
      @Value("${buildswarm.log-keep-lines:2000}") int logKeepLines,
      @Value("${buildswarm.retry.max-attempts:3}") int maxAttempts,
      @Value("${buildswarm.retry.base:30s}") Duration retryBase,
      @Value("${buildswarm.retry.cap:30m}") Duration retryCap,
      @Value("${buildswarm.retry.jitter:0.5}") double retryJitter,
      @Value("${buildswarm.default-expected:10m}") Duration defaultExpected,
      @Value("${buildswarm.grounding.drone-failures-in-row:3}") int groundAfterDroneFailures,
      @Value("${buildswarm.grounding.failures-in-row:6}") int groundAfterFailures,
      @Value("${buildswarm.grounding.window:30m}") Duration groundingWindow) {
    return new CoordinatorSettings(
        swarm, leaseTtl, heartbeat, reap, maxLosses, logKeepLines,
        new RetryPolicy(maxAttempts, retryBase, retryCap, retryJitter), defaultExpected,
        new GroundingPolicy(groundAfterDroneFailures, groundAfterFailures, groundingWindow));
  }

  @Singleton
  @Bean(preDestroy = "shutdown")
  RedissonClient redisson(@Value("${buildswarm.redis-url:`redis://127.0.0.1:6379`}") String url) {
    return RedisConnection.open(url);
  }

  @Singleton
  RedisKeys keys(CoordinatorSettings settings) {
    return new RedisKeys(settings.swarm());
  }

  /** Where uploaded binary packages go; served at /binhost/. */
  @Singleton
  ArtifactStore artifactStore(
      @Value("${buildswarm.binhost.dir:binhost}") String dir,
      @Value("${buildswarm.binhost.max-concurrent-uploads:4}") int maxUploads,
      @Value("${buildswarm.binhost.min-free-mb:1024}") long minFreeMb) {
    return new ArtifactStore(Path.of(dir), maxUploads, minFreeMb << 20);
  }

  @Singleton
  @Bean(preDestroy = "close")
  BinhostHook binhostHook(ArtifactStore store, @Value("${buildswarm.binhost.hook:auto}") String hook) {
    return new BinhostHook(hook, store.root());
  }

  @Singleton
  WorkSignal workSignal() {
    return new WorkSignal();
  }

  @Singleton
  @Bean(preDestroy = "close")
  RedisWorkBroadcast workBroadcast(RedissonClient redis, RedisKeys keys, WorkSignal signal) {
    return new RedisWorkBroadcast(redis, keys, signal);
  }

  @Singleton
  @Bean(preDestroy = "close")
  RedisStopBroadcast stopBroadcast(RedissonClient redis, RedisKeys keys, DroneSessions sessions) {
    return new RedisStopBroadcast(redis, keys, sessions);
  }

  /** What {@code /metrics} shows (docs/operations.md). */
  @Singleton
  CoordinatorMetrics metrics(DroneSessions sessions) {
    return new CoordinatorMetrics(() -> sessions.all().size());
  }

  @Singleton
  SwarmService swarmService(
      RedissonClient redis,
      RedisKeys keys,
      WorkSignal signal,
      RedisWorkBroadcast broadcast,
      RedisStopBroadcast stops,
      Clock clock,
      CoordinatorSettings settings,
      CoordinatorMetrics metrics) {
    LuaScripts scripts = new LuaScripts(redis, metrics);
    return new SwarmService(
        new RedisJobQueue(redis, keys, scripts),
        new RedisDroneBuckets(redis, keys, scripts),
        signal,
        broadcast,
        stops,
        clock,
        settings,
        metrics);
  }

  @Singleton
  @Bean(preDestroy = "closeAll")
  DroneSessions droneSessions() {
    return new DroneSessions();
  }

  @Singleton
  @Bean(preDestroy = "close")
  Dispatcher dispatcher(SwarmService service, DroneSessions sessions, WorkSignal signal) {
    return new Dispatcher(service, sessions, signal).start();
  }

  @Context
  @Bean(preDestroy = "close")
  GrpcServer grpcServer(
      SwarmService service,
      DroneSessions sessions,
      Dispatcher dispatcher,
      Clock clock,
      ArtifactStore artifacts,
      BinhostHook hook,
      SwarmAccess access,
      @Value("${buildswarm.grpc.host:127.0.0.1}") String host,
      @Value("${buildswarm.grpc.port:7420}") int port,
      @Value("${buildswarm.grpc.tls.cert:}") String tlsCert,
      @Value("${buildswarm.grpc.tls.key:}") String tlsKey,
      @Value("${buildswarm.grpc.tls.client-ca:}") String tlsClientCa) {
    String id = coordinatorId();
    ServerTls tls = ServerTls.of(tlsCert, tlsKey, tlsClientCa);
    GrpcServer server = new GrpcServer(
        host,
        port,
        tls,
        List.of(
            // Interceptors run last-added first: the token is checked before the certificate.
            ServerInterceptors.intercept(
                new DroneServiceEndpoint(service, sessions, dispatcher, id, CoordinatorMain.version(), clock, artifacts, hook),
                new DroneCertificates(tls.dronesNeedCertificates()),
                new TokenGate(access.drones(), "a drone token")),
            ServerInterceptors.intercept(
                new AdminServiceEndpoint(service), new TokenGate(access.operators(), "an operator token"))));
    LoggerFactory.getLogger(GrpcServer.class).info("gRPC on {}:{}, {}", host, server.port(), tls.describe());
    return server;
  }

  /** Refuses to start without drone and operator tokens (see SwarmAccess). */
  @Singleton
  SwarmAccess access(
      @Value("${buildswarm.drone-tokens:}") List<String> droneTokens,
      @Value("${buildswarm.drone-tokens-file:}") String droneTokensFile,
      @Value("${buildswarm.operator-tokens:}") List<String> operatorTokens,
      @Value("${buildswarm.operator-tokens-file:}") String operatorTokensFile,
      @Value("${buildswarm.reader-tokens:}") List<String> readerTokens,
      @Value("${buildswarm.reader-tokens-file:}") String readerTokensFile) {
    return SwarmAccess.fromSettings(
        droneTokens, droneTokensFile, operatorTokens, operatorTokensFile, readerTokens, readerTokensFile);
  }

  /**
   * The dashboard in this process when {@code buildswarm.dashboard.embedded} is true (env
   * BUILDSWARM_DASHBOARD_EMBEDDED), on {@code BUILDSWARM_DASHBOARD_HOST}/{@code _PORT}.
   */
  @Context
  @Bean(preDestroy = "close")
  EmbeddedDashboard.Maybe embeddedDashboard(
      GrpcServer grpc,
      @Value("${buildswarm.dashboard.embedded:false}") boolean embedded,
      @Value("${buildswarm.dashboard.host:127.0.0.1}") String host,
      @Value("${buildswarm.dashboard.port:7422}") int port,
      @Value("${buildswarm.redis-url:`redis://127.0.0.1:6379`}") String redisUrl,
      @Value("${buildswarm.swarm:local}") String swarm,
      @Value("${buildswarm.heartbeat-interval:5s}") String heartbeat,
      @Value("${buildswarm.dashboard.operator-token:}") String token,
      @Value("${buildswarm.reader-tokens:}") String readerTokens,
      @Value("${buildswarm.reader-tokens-file:}") String readerTokensFile,
      @Value("${buildswarm.grpc.tls.cert:}") String grpcCert,
      @Value("${buildswarm.dashboard.coordinator-tls.ca:}") String grpcCa,
      @Value("${micronaut.server.ssl.enabled:false}") boolean https,
      @Value("${micronaut.server.ssl.key-store.certificate-path:}") String httpsCert,
      @Value("${micronaut.server.ssl.key-store.key-path:}") String httpsKey) {
    if (!embedded) {
      return new EmbeddedDashboard.Maybe(Optional.empty());
    }
    Map<String, Object> tls = new HashMap<>();
    // The coordinator's reader tokens guard the view too.
    tls.put("buildswarm.reader-tokens", readerTokens);
    tls.put("buildswarm.reader-tokens-file", readerTokensFile);
    if (!grpcCert.isBlank()) {
      // It calls this coordinator at localhost: trusting the coordinator's own certificate is
      // enough (its names must include localhost), unless a CA is named.
      tls.put("buildswarm.dashboard.coordinator-tls.ca", grpcCa.isBlank() ? grpcCert : grpcCa);
    }
    // The page over HTTPS with the coordinator's certificate when the coordinator serves HTTPS.
    tls.put("micronaut.server.ssl.enabled", https);
    tls.put("micronaut.server.ssl.port", port);
    if (https) {
      tls.put("micronaut.server.ssl.key-store.certificate-path", httpsCert);
      tls.put("micronaut.server.ssl.key-store.key-path", httpsKey);
    }
    return new EmbeddedDashboard.Maybe(
        Optional.of(
            EmbeddedDashboard.start(host, port, redisUrl, swarm, heartbeat, "localhost:" + grpc.port(), token, tls)));
  }

  @Context
  @Bean(preDestroy = "close")
  LeaseReaper leaseReaper(SwarmService service, CoordinatorSettings settings) {
    // The first reap waits one lease TTL: drones reconnecting after this coordinator restarted get
    // the time to renew their leases before any is taken for lost.
    return new LeaseReaper(service, settings.leaseTtl(), settings.reapInterval());
  }

  /**
   * Stops serving before any bean is destroyed: drone sessions end (and mark their drones offline)
   * while Redis is still connected.
   */
  @Singleton
  ApplicationEventListener<ShutdownEvent> stopServingFirst(
      GrpcServer grpc, LeaseReaper reaper, Dispatcher dispatcher, DroneSessions sessions) {
    return event -> {
      reaper.close();
      dispatcher.close();
      sessions.closeAll();
      grpc.close();
    };
  }

  private static String coordinatorId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "/" + ManagementFactory.getRuntimeMXBean().getPid();
  }
}

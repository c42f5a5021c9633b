package dev.buildswarm.coordinator;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import dev.buildswarm.coordinator.binhost.ArtifactStore;
import dev.buildswarm.coordinator.binhost.BinhostHook;
import dev.buildswarm.coordinator.domain.GroundingPolicy;
import dev.buildswarm.coordinator.domain.RetryPolicy;
import dev.buildswarm.coordinator.drones.Dispatcher;
import dev.buildswarm.coordinator.drones.DroneSessions;
import dev.buildswarm.coordinator.grpc.AdminServiceEndpoint;
import dev.buildswarm.coordinator.grpc.DroneServiceEndpoint;
import dev.buildswarm.coordinator.grpc.GrpcServer;
import dev.buildswarm.coordinator.grpc.OperatorTokens;
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
import java.util.List;
import java.util.Optional;
import org.redisson.api.RedissonClient;

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
      @Value("${buildswarm.operator-tokens:}") List<String> operatorTokens,
      @Value("${buildswarm.grpc.host:127.0.0.1}") String host,
      @Value("${buildswarm.grpc.port:7420}") int port) {
    String id = coordinatorId();
    return new GrpcServer(
        host,
        port,
        List.of(
            new DroneServiceEndpoint(
                    service, sessions, dispatcher, id, CoordinatorMain.version(), clock, artifacts, hook)
                .bindService(),
            ServerInterceptors.intercept(new AdminServiceEndpoint(service), new OperatorTokens(operatorTokens))));
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
      @Value("${buildswarm.dashboard.operator-token:}") String token) {
    if (!embedded) {
      return new EmbeddedDashboard.Maybe(Optional.empty());
    }
    return new EmbeddedDashboard.Maybe(
        Optional.of(EmbeddedDashboard.start(host, port, redisUrl, swarm, heartbeat, "localhost:" + grpc.port(), token)));
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

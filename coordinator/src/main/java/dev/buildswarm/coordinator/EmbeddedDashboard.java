package dev.buildswarm.coordinator;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard run inside the coordinator's process, for a single machine: a context of its own
 * (the dashboard's beans require the {@code dashboard} environment, the coordinator's refuse it)
 * with its own HTTP port, reading the same Redis and acting through this coordinator's admin API.
 */
public final class EmbeddedDashboard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDashboard.class);

  private final ApplicationContext context;
  private final EmbeddedServer server;

  private EmbeddedDashboard(ApplicationContext context, EmbeddedServer server) {
    this.context = context;
    this.server = server;
  }

  /**
   * Starts the dashboard on {@code host:port} (port 0: any free one).
   *
   * @param coordinatorGrpc this coordinator's gRPC address, for the dashboard's actions
   * @param tls the dashboard's TLS settings ({@code micronaut.server.ssl.*},
   *     {@code buildswarm.dashboard.coordinator-tls.*}) and reader tokens
   *     ({@code buildswarm.reader-tokens*}), which win over the coordinator's
   */
  public static EmbeddedDashboard start(
      String host, int port, String redisUrl, String swarm, String heartbeatInterval, String coordinatorGrpc,
      String operatorToken, Map<String, Object> tls) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("micronaut.server.host", host);
    settings.put("micronaut.server.port", port);
    // What the dashboard's own application.yml says, which a coordinator's classpath shadows.
    settings.put("micronaut.application.name", "buildswarm-dashboard");
    settings.put("micronaut.router.static-resources.assets.paths", "classpath:public/assets");
    settings.put("micronaut.router.static-resources.assets.mapping", "/assets/**");
    settings.put("buildswarm.redis-url", redisUrl);
    settings.put("buildswarm.swarm", swarm);
    settings.put("buildswarm.heartbeat-interval", heartbeatInterval);
    settings.put("buildswarm.dashboard.coordinator", coordinatorGrpc);
    settings.put("buildswarm.dashboard.operator-token", operatorToken);
    settings.putAll(tls);
    ApplicationContext context =
        ApplicationContext.builder().environments(DashboardMain.ENVIRONMENT).properties(settings).start();
    EmbeddedServer server = context.getBean(EmbeddedServer.class);
    server.start();
    LOG.info("dashboard inside the coordinator at {}", server.getURL());
    return new EmbeddedDashboard(context, server);
  }

  public int port() {
    return server.getPort();
  }

  /** The dashboard's own context (its routes differ from the coordinator's). */
  public ApplicationContext context() {
    return context;
  }

  @Override
  public void close() {
    server.stop();
    context.close();
  }

  /** Holder for the bean factory: absent when the dashboard is not embedded. */
  public record Maybe(Optional<EmbeddedDashboard> dashboard) implements AutoCloseable {
    @Override
    public void close() {
      dashboard.ifPresent(EmbeddedDashboard::close);
    }
  }
}

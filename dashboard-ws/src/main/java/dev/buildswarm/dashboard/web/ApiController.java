package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import dev.buildswarm.dashboard.actions.ActionResult;
import dev.buildswarm.dashboard.actions.OperatorActions;
import dev.buildswarm.dashboard.feed.EventPages;
import dev.buildswarm.dashboard.feed.SwarmSnapshot;
import dev.buildswarm.redis.RedisKeys;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;
import java.util.Map;

/**
 * The page's HTTP calls: settings, older events by cursor, and operator actions. Actions need the
 * configured operator token in {@code X-Buildswarm-Operator-Token}; without one configured every
 * action is refused (403). Handlers run on the blocking executor: they read Redis or call gRPC.
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller("/api")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ApiController {
  static final String TOKEN_HEADER = "X-Buildswarm-Operator-Token";

  private final EventPages events;
  private final OperatorActions actions;
  private final RedisKeys keys;

  public ApiController(EventPages events, OperatorActions actions, RedisKeys keys) {
    this.events = events;
    this.actions = actions;
    this.keys = keys;
  }

  /** The page reads this once: whether to offer the operator button at all. */
  @Get(uri = "/config", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> config() {
    return Map.of("swarm", keys.swarm(), "actions", actions.enabled());
  }

  /**
   * {@code before}: the stream id of the oldest event the page has; {@code shown}: how many events
   * of that id it has (an entry may hold several); newest first.
   */
  @Get(uri = "/events", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<?> events(
      @QueryValue String before, @QueryValue(defaultValue = "0") int shown, @QueryValue(defaultValue = "50") int limit) {
    try {
      List<SwarmSnapshot.Event> page = events.before(before, shown, limit);
      return HttpResponse.ok(Map.of("events", page, "cursor", page.isEmpty() ? before : page.getLast().id()));
    } catch (IllegalArgumentException e) {
      return HttpResponse.badRequest(Map.of("error", e.getMessage()));
    }
  }

  /** 204 when the token is the operator token, else 403: lets the page show its buttons. */
  @Post(uri = "/operator")
  public HttpResponse<?> operator(@Header(TOKEN_HEADER) @Nullable String token) {
    return actions.allows(token) ? HttpResponse.noContent() : HttpResponse.status(HttpStatus.FORBIDDEN);
  }

  @Post(uri = "/packages/{id}/{action}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  public HttpResponse<?> onPackage(
      String id, String action, @Header(TOKEN_HEADER) @Nullable String token, @Body @Nullable Map<String, String> body) {
    return answer(actions.onPackage(token, id, action, reason(body)));
  }

  @Post(uri = "/drones/{name}/{order}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  public HttpResponse<?> onDrone(
      String name, String order, @Header(TOKEN_HEADER) @Nullable String token, @Body @Nullable Map<String, String> body) {
    return answer(actions.onDrone(token, name, order, reason(body)));
  }

  private static String reason(Map<String, String> body) {
    return body == null ? "" : body.getOrDefault("reason", "");
  }

  private static HttpResponse<?> answer(ActionResult result) {
    return HttpResponse.status(HttpStatus.valueOf(result.httpStatus())).body(Map.of("message", result.message()));
  }
}

package dev.buildswarm.coordinator.http;

import dev.buildswarm.coordinator.access.SwarmAccess;
import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.tokens.AcceptedTokens;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Map;

/**
 * The credential on every HTTP route of the coordinator but {@code /health} (probes must answer
 * without one, and it tells nothing about the swarm): with reader tokens configured, a request
 * needs a reader or operator token, as {@code Authorization: Bearer <token>} or as the password of
 * Basic credentials, which is how Portage sends {@code PORTAGE_BINHOST=http://any:<token>@host/binhost}.
 * Without reader tokens configured, reading is open. Runs on the event loop: it reads no Redis.
 */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ReaderGate {
  private final SwarmAccess access;

  public ReaderGate(SwarmAccess access) {
    this.access = access;
  }

  /** Routes answered without a credential. */
  public static boolean isPublic(String path) {
    return path.equals("/health") || path.startsWith("/health/");
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (isPublic(request.getPath())
        || access.mayRead(AcceptedTokens.fromAuthorization(request.getHeaders().get(HttpHeaders.AUTHORIZATION)))) {
      return null;
    }
    return HttpResponse.unauthorized()
        .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"buildswarm\"")
        .body(Map.of("error", "this coordinator needs a reader or operator token (Authorization: Bearer <token>)"));
  }
}

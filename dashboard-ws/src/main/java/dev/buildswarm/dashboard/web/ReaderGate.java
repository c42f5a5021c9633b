package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import dev.buildswarm.dashboard.actions.OperatorActions;
import dev.buildswarm.tokens.AcceptedTokens;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.cookie.Cookie;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Who may look at the dashboard. With reader tokens configured ({@code BUILDSWARM_READER_TOKENS},
 * {@code BUILDSWARM_READER_TOKENS_FILE}), every route but {@code /health} and {@code /login} needs a
 * reader token or the dashboard's operator token, given as {@code Authorization: Bearer} or held
 * in the cookie {@code /login} sets; the page itself sends a browser without one to {@code /login}.
 * Without reader tokens the view is open (read-only: actions still need the operator token).
 * Runs on the event loop: it reads no Redis.
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class ReaderGate {
  static final String COOKIE = "buildswarm_reader";

  private final AcceptedTokens readers;
  private final OperatorActions operators;

  public ReaderGate(AcceptedTokens readers, OperatorActions operators) {
    this.readers = readers;
    this.operators = operators;
  }

  /** Routes answered without a credential. */
  public static boolean isPublic(String path) {
    return path.equals("/health") || path.startsWith("/health/") || path.equals("/login");
  }

  /** Whether {@code token} may see the dashboard. */
  boolean mayRead(String token) {
    return !readers.isConfigured() || readers.accepts(token) || operators.allows(token);
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (isPublic(request.getPath()) || mayRead(presented(request))) {
      return null;
    }
    if (request.getMethod() == HttpMethod.GET && request.getPath().equals("/")) {
      return HttpResponse.seeOther(URI.create("/login"));
    }
    return HttpResponse.unauthorized()
        .body(Map.of("error", "this dashboard needs a reader token (Authorization: Bearer <token>, or sign in at /login)"));
  }

  private static String presented(HttpRequest<?> request) {
    String header = AcceptedTokens.fromAuthorization(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
    if (header != null) {
      return header;
    }
    return request.getCookies().findCookie(COOKIE).map(c -> fromCookie(c.getValue())).orElse(null);
  }

  /** The cookie holds the token base64url-encoded: a token may hold characters a cookie may not. */
  static Cookie cookie(String token, boolean secure) {
    return Cookie.of(COOKIE, Base64.getUrlEncoder().withoutPadding().encodeToString(token.getBytes(StandardCharsets.UTF_8)))
        .httpOnly(true)
        .secure(secure)
        .sameSite(io.micronaut.http.cookie.SameSite.Strict)
        .path("/");
  }

  private static String fromCookie(String value) {
    try {
      return new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notOurs) {
      return null;
    }
  }
}

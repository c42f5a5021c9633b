package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import java.net.URI;
import java.util.Map;

/**
 * {@code /login}: a form for the reader token when the dashboard asks for one; a right token is
 * kept in an HttpOnly, SameSite=Strict cookie so the page and its WebSocket carry it.
 */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller("/login")
public class LoginController {
  private final ReaderGate gate;

  public LoginController(ReaderGate gate) {
    this.gate = gate;
  }

  @Get(produces = MediaType.TEXT_HTML)
  public String form() {
    return page("");
  }

  @Post(consumes = MediaType.APPLICATION_FORM_URLENCODED, produces = MediaType.TEXT_HTML)
  public HttpResponse<String> signIn(HttpRequest<?> request, @Body @Nullable Map<String, String> form) {
    String token = form == null ? null : form.get("token");
    if (token == null || token.isBlank() || !gate.mayRead(token.strip())) {
      return HttpResponse.<String>status(HttpStatus.UNAUTHORIZED).body(page("That token is not accepted here."));
    }
    return HttpResponse.<String>seeOther(URI.create("/")).cookie(ReaderGate.cookie(token.strip(), request.isSecure()));
  }

  private static String page(String message) {
    return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>buildswarm: sign in</title>
        <style>body{font:15px system-ui,sans-serif;margin:4em auto;max-width:28em;color:#222}
        input{font:inherit;padding:.4em;width:100%%;box-sizing:border-box}button{font:inherit;margin-top:.6em}
        .error{color:#b00020}</style></head>
        <body><h1>buildswarm</h1><p>This dashboard needs a reader token.</p>
        <p class="error" id="message">%s</p>
        <form method="post" action="/login"><label>Token <input type="password" name="token" id="token"
        autocomplete="current-password" autofocus></label><button type="submit" id="sign-in">Sign in</button></form>
        </body></html>
        """.formatted(message);
  }
}

package dev.buildswarm.dashboard.web;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /}: the page (one static file; it talks to {@code /ws}). */
@Requires(env = DashboardMain.ENVIRONMENT)
@Controller
public class PageController {
  private final String page;

  public PageController() {
    try (InputStream in = PageController.class.getResourceAsStream("/public/index.html")) {
      if (in == null) {
        throw new IllegalStateException("missing /public/index.html");
      }
      page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Get(produces = MediaType.TEXT_HTML)
  public HttpResponse<String> index() {
    return HttpResponse.ok(page).header("Cache-Control", "no-cache");
  }
}

package dev.buildswarm.coordinator.http;

import dev.buildswarm.dashboard.DashboardMain;
import io.micronaut.context.annotation.Requires;
import dev.buildswarm.coordinator.binhost.ArtifactStore;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /binhost/...}: the binhost directory, read only, for {@code PORTAGE_BINHOST}. Plain
 * files only (no listings, no symlinks, nothing outside the directory, no dot files such as uploads
 * in progress); single byte ranges ({@code Range: bytes=a-b}) answered with 206.
 */
@Requires(notEnv = DashboardMain.ENVIRONMENT)
@Controller("/binhost")
public class BinhostController {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
  /** Larger ranges are served whole (200) rather than read into memory. */
  private static final long MAX_RANGE = 64L << 20;

  private final ArtifactStore store;

  public BinhostController(ArtifactStore store) {
    this.store = store;
  }

  @Get("/{+path}")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<?> file(@PathVariable String path, HttpRequest<?> request) throws IOException {
    Path root = store.root();
    Path file = root.resolve(path).normalize();
    if (!file.startsWith(root)
        || path.contains("..")
        || file.getFileName().toString().startsWith(".")
        || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
        || !file.toRealPath().startsWith(root.toRealPath())) {
      return HttpResponse.notFound();
    }
    long size = Files.size(file);
    String range = request.getHeaders().get("Range");
    if (range != null) {
      Matcher m = RANGE.matcher(range.strip());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        long from;
        long to;
        if (m.group(1).isEmpty()) {
          long suffix = Long.parseLong(m.group(2));
          from = Math.max(0, size - suffix);
          to = size - 1;
        } else {
          from = Long.parseLong(m.group(1));
          to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
        }
        if (from >= size || from > to) {
          return HttpResponse.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).header("Content-Range", "bytes */" + size);
        }
        if (to - from + 1 <= MAX_RANGE) {
          byte[] bytes = new byte[(int) (to - from + 1)];
          try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(from);
            in.readFully(bytes);
          }
          return HttpResponse.status(HttpStatus.PARTIAL_CONTENT)
              .header("Content-Range", "bytes " + from + "-" + to + "/" + size)
              .header("Accept-Ranges", "bytes")
              .contentType(MediaType.APPLICATION_OCTET_STREAM_TYPE)
              .body(bytes);
        }
      }
    }
    return HttpResponse.ok(new io.micronaut.http.server.types.files.SystemFile(file.toFile()))
        .header("Accept-Ranges", "bytes");
  }
}

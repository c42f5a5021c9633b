package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real Portage files in ../shared/data beside the checkout: required on CI, else optional. */
public final class SharedData {
  private SharedData() {}

  public static Path path(String name) {
    Path data = Path.of(System.getProperty("buildswarm.root", "..")).toAbsolutePath().resolve("../shared/data").normalize();
    if (System.getenv("CI") != null) {
      assertTrue(Files.isDirectory(data), "CI runs with ../shared/data beside the checkout");
    }
    assumeTrue(Files.isDirectory(data), "no ../shared/data beside the checkout: skipped");
    return data.resolve(name);
  }

  public static String read(String name) throws IOException {
    return Files.readString(path(name), StandardCharsets.ISO_8859_1);
  }
}

package dev.buildswarm.coordinator.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point inwards: the domain, the service layer and the drone sessions know nothing of
 * gRPC, Redis, Micronaut or Picocli. Adapters may use them.
 */
class LayeringTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/buildswarm/coordinator");
  private static final List<String> FORBIDDEN =
      List.of("import io.grpc", "import org.redisson", "import io.micronaut", "import picocli", "import dev.buildswarm.proto");

  @Test
  void innerPackagesImportNoTransportStorageOrFramework() throws IOException {
    List<String> violations = new ArrayList<>();
    int files = 0;
    for (String inner : List.of("domain", "queue", "drones")) {
      try (Stream<Path> sources = Files.walk(SOURCES.resolve(inner))) {
        for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
          files++;
          for (String line : Files.readAllLines(source)) {
            for (String forbidden : FORBIDDEN) {
              if (line.startsWith(forbidden)) {
                violations.add(source + ": " + line);
              }
            }
          }
        }
      }
    }
    assertTrue(files >= 10, "the scan found the sources (" + files + ")");
    assertEquals(List.of(), violations);
  }
}

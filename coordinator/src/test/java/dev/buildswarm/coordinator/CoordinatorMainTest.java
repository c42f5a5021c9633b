package dev.buildswarm.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.singleinstance.DefaultPidfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CoordinatorMainTest {

  @Test
  void singleInstanceOptionsAreReadAndEverythingElseGoesToMicronaut() {
    CoordinatorMain main = new CoordinatorMain();
    new CommandLine(main)
        .parseArgs("--micronaut.server.port=8080", "--pidfile", "/run/c.pid", "--takeover", "--takeover-grace", "2s", "-Dx");

    assertEquals(Path.of("/run/c.pid"), main.pidfile);
    assertTrue(main.takeover);
    assertEquals(Duration.ofSeconds(2), main.takeoverGrace);
    assertEquals(List.of("--micronaut.server.port=8080", "-Dx"), main.micronautArgs);
  }

  @Test
  void theTakeoverGraceDefaultsTo45Seconds() {
    CoordinatorMain main = new CoordinatorMain();
    new CommandLine(main).parseArgs();
    assertEquals(Duration.ofSeconds(45), main.takeoverGrace);
  }

  @Test
  void theDefaultPidfileIsNamedForTheSwarm() {
    assertEquals("local", DefaultPidfile.swarm(List.of(), Map.of()));
    assertEquals("prod", DefaultPidfile.swarm(List.of(), Map.of("BUILDSWARM_SWARM", "prod")));
    assertEquals(
        "canary", DefaultPidfile.swarm(List.of("--buildswarm.swarm=canary"), Map.of("BUILDSWARM_SWARM", "prod")));
  }
}

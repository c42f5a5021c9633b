package dev.buildswarm.drone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DroneMainTest {
  @TempDir Path dir;

  private DroneConfig parse(String... args) throws Exception {
    CommandLine cli = DroneMain.commandLine(args);
    cli.parseArgs(args);
    return ((DroneMain) cli.getCommand()).config();
  }

  @Test
  void configFileGivesDefaultsAndFlagsWin() throws Exception {
    Path file = dir.resolve("drone.properties");
    Path token = dir.resolve("drone.token");
    Files.writeString(token, "drone-07-token-0123456789\n");
    Files.writeString(
        file,
        """
        # a build host
        token-file=%s
        coordinator=build-master:7420
        name=drone-07
        slots=3
        cores=12
        build-timeout=90m
        env=FEATURES=-test|USE=-doc
        capability=profile=default/linux/amd64/23.0
        """.formatted(token));
    DroneConfig config = parse("--config", file.toString(), "--slots", "2");
    assertEquals("build-master:7420", config.coordinator());
    assertEquals("drone-07", config.name());
    assertEquals(2, config.slots(), "the flag wins over the file");
    assertEquals(12, config.cores());
    assertEquals("-j12", config.makeopts());
    assertEquals(Duration.ofMinutes(90), config.buildTimeout());
    assertEquals(Map.of("FEATURES", "-test", "USE", "-doc"), config.extraEnvironment());
    assertEquals(Map.of("profile", "default/linux/amd64/23.0"), config.capabilities());
    assertEquals("drone-07-token-0123456789", config.token().current());
  }

  @Test
  void aDroneWithoutATokenDoesNotStart() {
    StringWriter err = new StringWriter();
    CommandLine cli = DroneMain.commandLine(new String[] {"--name", "x"});
    cli.setErr(new PrintWriter(err));
    assertNotEquals(0, cli.execute("--name", "x", "--pidfile", dir.resolve("x.pid").toString()));
    assertTrue(err.toString().contains("no drone token: give --token-file FILE"), err.toString());

    StringWriter err2 = new StringWriter();
    CommandLine again = DroneMain.commandLine(new String[] {"--name", "x"});
    again.setErr(new PrintWriter(err2));
    assertNotEquals(0, again.execute("--name", "x", "--token-file", dir.resolve("missing").toString()));
    assertTrue(err2.toString().contains("cannot read the token file " + dir.resolve("missing")), err2.toString());
  }

  @Test
  void unknownSettingAndMissingFileAreNamed() throws Exception {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "slotz=3\n");
    StringWriter err = new StringWriter();
    String[] args = {"--config", file.toString(), "--version"};
    CommandLine cli = DroneMain.commandLine(args);
    cli.setErr(new PrintWriter(err));
    assertNotEquals(0, cli.execute("--config", file.toString(), "--name", "x"));
    assertTrue(err.toString().contains("unknown setting 'slotz'"), err.toString());

    StringWriter err2 = new StringWriter();
    String missing = dir.resolve("nope.properties").toString();
    CommandLine cli2 = DroneMain.commandLine(new String[] {"--config", missing});
    cli2.setErr(new PrintWriter(err2));
    assertNotEquals(0, cli2.execute("--config", missing, "--name", "x"));
    assertTrue(err2.toString().contains("cannot read --config " + missing), err2.toString());
  }
}

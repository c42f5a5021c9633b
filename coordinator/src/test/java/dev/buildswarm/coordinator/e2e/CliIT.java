package dev.buildswarm.coordinator.e2e;

import static dev.buildswarm.coordinator.e2e.TestSwarm.await;
import static dev.buildswarm.coordinator.e2e.TestSwarm.swarm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.coordinator.domain.SharedData;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.drone.DroneConfig;
import dev.buildswarm.drone.runner.BuildTemplate;
import dev.buildswarm.drone.worker.DroneAgent;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The swarm CLI against a real coordinator and Redis: output, exit codes, JSON, a terminal. */
@RealRedis
class CliIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;
  private EmbeddedServer server;
  private SwarmService service;
  private String target;
  private DroneAgent drone;

  @BeforeEach
  void start(RedisEndpoint redis) {
    server = TestSwarm.coordinator(redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "5s", Map.of());
    service = TestSwarm.service(server);
    target = "localhost:" + TestSwarm.grpcPort(server);
  }

  @AfterEach
  void stop() {
    if (drone != null) {
      drone.close();
    }
    server.close();
  }

  /** The CLI against this test's coordinator: exit code, then output. */
  private String cli(String... args) {
    List<String> all = new ArrayList<>(List.of("--coordinator", target));
    all.addAll(List.of(args));
    return swarm(all.toArray(String[]::new));
  }

  /** The CLI's output (after the exit code line) as JSON, asserting it exited 0. */
  private JsonNode json(String... args) throws Exception {
    String out = cli(args);
    assertTrue(out.startsWith("0\n"), out);
    return JSON.readTree(out.substring(2));
  }

  private long count(String state) {
    return service.status().packagesByState().get(state);
  }

  @Test
  void aListWithOneBadLineQueuesNothingAndNamesItUnlessSkipped() throws Exception {
    Path list = work.resolve("set.txt");
    Files.writeString(list, "=app-misc/one-1.0\ndev-lang/python[sqlite\n# comment\n=app-misc/two-2.0\n");
    String refused = cli("queue", "import", list.toString());
    assertTrue(refused.startsWith("2\n"), refused);
    assertTrue(refused.contains("line 2"), refused);
    assertTrue(refused.contains("nothing queued"), refused);
    assertEquals(0, count("queued"), "all or nothing");

    JsonNode imported = json("--json", "queue", "import", "--skip-invalid", list.toString());
    assertEquals(2, imported.get("queued").asInt());
    assertEquals(2, count("queued"));
  }

  @Test
  void realEmergePvOutputImportsItsPackagesInMergeOrder() throws Exception {
    Path pv = SharedData.path("emerge_pv_thodg_ddm.txt");
    String out = cli("queue", "import", "--ordered", pv.toString());
    assertTrue(out.startsWith("0\n"), out);
    assertTrue(out.contains("171 queued, 0 already in the swarm"), out);
    assertTrue(out.contains("skipped line 55 (blocker)"), out);
    assertEquals(1, count("queued"), "only the first in merge order is ready");
    assertEquals(170, count("blocked"));
    JsonNode first = json("--json", "queue", "show", "=sys-libs/glibc-2.23-r4:2.2::gentoo");
    assertEquals("queued", first.get("record").get("state").asText());
  }

  @Test
  void anImportOfSeveralRequestsIsOrderedAndCheckedWholeBeforeAnythingIsSent() throws Exception {
    // More atoms than one request holds (SwarmService.MAX_ATOMS_PER_ENQUEUE): the first entry
    // waits for the last, which only the second request carries.
    int n = SwarmService.MAX_ATOMS_PER_ENQUEUE + 2;
    Path forward = work.resolve("forward.json");
    Files.writeString(forward, importJson("fwd", n, false));
    JsonNode imported = json("--json", "queue", "import", forward.toString());
    assertEquals(n, imported.get("queued").asInt());
    assertEquals(n - 1, count("queued"));
    assertEquals(1, count("blocked"), "the first entry waits for the last");

    // A cycle across the two requests: refused whole, nothing of it queued.
    Path cycle = work.resolve("cycle.json");
    Files.writeString(cycle, importJson("cyc", n, true));
    String refused = cli("queue", "import", cycle.toString());
    assertTrue(refused.startsWith("2\n"), refused);
    assertTrue(refused.contains("dependency cycle") && refused.contains("nothing queued"), refused);
    assertEquals(n - 1, count("queued"), "only the first import's packages");
    assertEquals(1, count("blocked"));
  }

  /** n entries =app-misc/PREFIX{i}-1.0; the first waits for the last, and with {@code cycle} the last for the first. */
  private static String importJson(String prefix, int n, boolean cycle) {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      json.append(i == 0 ? "" : ",").append("{\"atom\":\"=app-misc/").append(prefix).append(i).append("-1.0\"");
      if (i == 0) {
        json.append(",\"after\":[\"=app-misc/").append(prefix).append(n - 1).append("-1.0\"]");
      } else if (i == n - 1 && cycle) {
        json.append(",\"after\":[\"=app-misc/").append(prefix).append("0-1.0\"]");
      }
      json.append("}");
    }
    return json.append("]").toString();
  }

  @Test
  void queueCommandsSpeakTextAndJson() throws Exception {
    JsonNode added = json("--json", "queue", "add", "=app-misc/a-1", "=app-misc/b-1", "=app-misc/c-1");
    assertEquals(3, added.get("results").size());
    assertTrue(added.get("results").get(0).get("queued").asBoolean());
    JsonNode page = json("--json", "queue", "list", "--limit", "2");
    assertEquals(2, page.get("packages").size());
    assertEquals("=app-misc/a-1", page.get("packages").get(0).get("atom").asText());
    long cursor = page.get("next_cursor").asLong();
    JsonNode rest = json("--json", "queue", "list", "--cursor", String.valueOf(cursor));
    assertEquals("=app-misc/c-1", rest.get("packages").get(0).get("atom").asText());
    assertEquals(0, rest.get("next_cursor").asLong());

    long tenMinutes = 600_000; // the default expected build time, none recorded
    assertEquals(3 * tenMinutes, json("--json", "status").get("open_expected_ms").asLong());
    assertEquals("cancelled (was queued)", json("--json", "queue", "cancel", "=app-misc/b-1", "--reason", "not today").get("outcome").asText());
    assertEquals(2 * tenMinutes, json("--json", "status").get("open_expected_ms").asLong(), "an ended package leaves the ETA");
    String text = cli("queue", "list", "--state", "cancelled");
    assertTrue(text.startsWith("0\n") && text.contains("=app-misc/b-1") && text.contains("not today"), text);
    JsonNode shown = json("--json", "queue", "show", "2");
    assertEquals("cancelled", shown.get("record").get("state").asText());
    List<String> types = new ArrayList<>();
    shown.get("transitions").forEach(t -> types.add(t.get("type").asText()));
    assertEquals(List.of("queued", "cancelled"), types);
    assertEquals("queued", json("--json", "queue", "retry", "2").get("outcome").asText());
    assertEquals(3 * tenMinutes, json("--json", "status").get("open_expected_ms").asLong(), "a retried one is back in it");
    String summary = cli("status");
    assertTrue(summary.contains("ETA: unknown, no drone can take work (30 min of expected build time over 0 working slots)"), summary);
    json("--json", "queue", "cancel", "3");
    assertEquals("3", json("--json", "queue", "rm", "3").get("package_id").asText());
    assertTrue(cli("queue", "show", "3").startsWith("2\n"), "removed: no package 3 any more");
    json("--json", "queue", "cancel", "1");
    assertEquals(1, json("--json", "queue", "clear", "--state", "cancelled").get("removed").asInt());
    assertTrue(cli("queue", "add", "=app-misc/a-1", "=app-misc/c-1").startsWith("0\n"), "both can be queued again");
    assertTrue(json("--json", "queue", "pause").get("changed").asBoolean());
    assertFalse(json("--json", "queue", "pause").get("changed").asBoolean());
    assertTrue(json("--json", "queue", "resume").get("changed").asBoolean());

    String bad = cli("queue", "list", "--state", "sleeping");
    assertTrue(bad.startsWith("2\n") && bad.contains("unknown state 'sleeping'"), bad);
    String missing = cli("queue", "show", "=app-misc/nope-1");
    assertTrue(missing.startsWith("2\n") && missing.contains("no package holds =app-misc/nope-1"), missing);
    String usage = cli("queue", "retry");
    assertTrue(usage.startsWith("2\n"), usage);

    JsonNode status = json("--json", "status");
    assertEquals(3, status.get("packages_by_state").get("queued").asInt());
    String[] events = cli("--json", "events", "--limit", "3").substring(2).strip().split("\n");
    assertEquals(3, events.length);
    for (String line : events) {
      assertTrue(JSON.readTree(line).has("cursor"), line);
    }
    assertTrue(cli("completion").contains("complete -F"), "a bash completion script");
  }

  /** A builder that prints "step N" every quarter second, forty times (ten seconds: time for a JVM to start and follow it). */
  private DroneAgent slowPrintingDrone() throws Exception {
    Path builder = work.resolve("printer.sh");
    Files.writeString(builder, "#!/usr/bin/env bash\nfor i in $(seq 1 40); do echo \"step $i of $1\"; sleep 0.25; done\n");
    Files.setPosixFilePermissions(builder, PosixFilePermissions.fromString("rwxr-xr-x"));
    DroneAgent agent =
        new DroneAgent(
            new DroneConfig(
                "cli-drone", "h", target, TestSwarm.droneToken(), 2, 1, 1.0, BuildTemplate.of(List.of(builder.toString(), "{atom}")), work,
                work.resolve("pkgs"), "-j2", Map.of(), Duration.ofMinutes(1), Duration.ofSeconds(1), "v", Map.of(),
                Duration.ZERO, 8L << 20));
    agent.start();
    assertTrue(agent.awaitRegistered(Duration.ofSeconds(10)));
    return agent;
  }

  /** Runs the CLI as its own process under a pseudo-terminal (util-linux script), output to a file. */
  private Process underTerminal(Path output, String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    StringBuilder command = new StringBuilder();
    for (String part : List.of(java, "-cp", System.getProperty("java.class.path"), "dev.buildswarm.coordinator.cli.SwarmCli", "--coordinator", target)) {
      command.append('\'').append(part).append("' ");
    }
    for (String arg : args) {
      command.append('\'').append(arg).append("' ");
    }
    ProcessBuilder builder = new ProcessBuilder("script", "-qfec", command.toString(), "/dev/null")
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().put("BUILDSWARM_TOKEN", TestSwarm.OPERATOR_TOKEN);
    return builder.start();
  }

  @Test
  void logsFollowAndWatchShowABuildProgressingOnATerminal() throws Exception {
    drone = slowPrintingDrone();
    assertTrue(cli("queue", "add", "=app-misc/slow-1").startsWith("0\n"));
    await("it builds", () -> "building".equals(service.packageRecord("1").get("state")));
    // The drone's bucket shows its assignment up to DroneSession.BUCKET_INTERVAL later (architecture.md).
    await("the drone shows it building", () -> service.drones().get(0).state().equals("building"));

    JsonNode drones = json("--json", "drones");
    assertEquals("cli-drone", drones.get("drones").get(0).get("name").asText());
    assertEquals("building", drones.get("drones").get(0).get("state").asText());
    assertEquals(1, drones.get("drones").get(0).get("running").size());
    String table = cli("drones");
    assertTrue(table.startsWith("0\n") && table.contains("cli-drone") && table.contains("1/1"), table);
    JsonNode drained = json("--json", "drone", "drain", "cli-drone");
    assertTrue(drained.get("changed").asBoolean() && drained.get("draining").asBoolean(), drained.toString());
    assertTrue(json("--json", "drone", "undrain", "cli-drone").get("changed").asBoolean());
    assertEquals(0, json("--json", "history", "show").get("history").size(), "nothing built yet");

    Path followed = work.resolve("follow.out");
    Process follow = underTerminal(followed, "logs", "=app-misc/slow-1", "--follow");
    Path watched = work.resolve("watch.out");
    Process watch = underTerminal(watched, "watch", "--interval", "0.5", "--count", "4");
    await("the follower shows a step while the build still runs", () -> {
      String seen = read(followed);
      return seen.contains("step 3 of") && "building".equals(service.packageRecord("1").get("state"));
    });
    assertTrue(follow.waitFor(30, TimeUnit.SECONDS), "logs --follow ends with the build");
    assertEquals(0, follow.exitValue());
    String all = read(followed);
    for (int i = 1; i <= 40; i++) {
      assertTrue(all.contains("step " + i + " of =app-misc/slow-1"), "step " + i + " in: " + all);
    }
    assertTrue(watch.waitFor(30, TimeUnit.SECONDS));
    String view = read(watched);
    assertTrue(view.contains("Queue: 1 packages"), view);
    assertTrue(view.contains("cli-drone") && view.contains("building"), view);
    assertTrue(view.contains("claimed"), "recent events listed: " + view);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aCoordinatorAskingForAnOperatorTokenRefusesTheCliWithoutIt(RedisEndpoint redis) throws Exception {
    EmbeddedServer guarded =
        TestSwarm.coordinator(
            redis.url(), redis.swarm() + "-" + System.nanoTime(), 0, "5s", Map.of("buildswarm.operator-tokens", "s3cret-0123456789abcdef,rotated-0123456789abcdef"));
    try {
      String at = "localhost:" + TestSwarm.grpcPort(guarded);
      String refused = TestSwarm.swarmAs(null, "--coordinator", at, "status");
      assertTrue(refused.startsWith("1\n") && refused.contains("needs an operator token"), refused);
      String wrong = swarm("--coordinator", at, "--token", "guess", "status");
      assertTrue(wrong.startsWith("1\n"), wrong);
      assertTrue(swarm("--coordinator", at, "--token", "s3cret-0123456789abcdef", "status").startsWith("0\n"));
      Path tokenFile = work.resolve("operator.token");
      Files.writeString(tokenFile, "# the night shift's token\nrotated-0123456789abcdef\n");
      assertTrue(TestSwarm.swarmAs(null, "--coordinator", at, "--token-file", tokenFile.toString(), "status").startsWith("0\n"));
      String noFile = TestSwarm.swarmAs(null, "--coordinator", at, "--token-file", work.resolve("none").toString(), "status");
      assertTrue(noFile.startsWith("2\n") && noFile.contains("cannot read the token file"), noFile);
      Path config = work.resolve("swarm.properties");
      Files.writeString(config, "coordinator=" + at + "\ntoken=rotated-0123456789abcdef\n");
      String fromFile = TestSwarm.swarmAs(null, "--config", config.toString(), "queue", "add", "=app-misc/t-1");
      assertTrue(fromFile.startsWith("0\n"), "coordinator and token from the config file: " + fromFile);
      String missing = swarm("--config", work.resolve("nope.properties").toString(), "status");
      assertTrue(missing.startsWith("2\n") && missing.contains("cannot read the config file"), missing);
    } finally {
      guarded.close();
    }
  }
}

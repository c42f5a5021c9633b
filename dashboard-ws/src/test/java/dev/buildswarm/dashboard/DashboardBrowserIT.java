package dev.buildswarm.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.redis.DroneBucket;
import dev.buildswarm.redis.RedisConnection;
import dev.buildswarm.redis.RedisKeys;
import dev.buildswarm.testredis.RealRedis;
import dev.buildswarm.testredis.RedisEndpoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;

/**
 * The page in a real headless Chromium against the real dashboard service and a real Redis. The
 * swarm's state is written into Redis as the coordinator's scripts write it ({@link SwarmWriter}).
 */
@RealRedis
class DashboardBrowserIT {
  private RedisEndpoint endpoint;
  private String swarmName;
  private int port;
  private EmbeddedServer server;
  private RedissonClient redis;
  private RedisKeys keys;
  private SwarmWriter swarm;
  private Browser browser;

  @BeforeEach
  void start(RedisEndpoint endpoint) throws Exception {
    this.endpoint = endpoint;
    swarmName = endpoint.swarm() + "-" + System.nanoTime();
    keys = new RedisKeys(swarmName);
    redis = RedisConnection.open(endpoint.url());
    swarm = new SwarmWriter(redis, keys);
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    browser = Browser.start();
    server = startDashboard();
  }

  private EmbeddedServer startDashboard() {
    return ApplicationContext.run(
        EmbeddedServer.class,
        Map.of(
            "micronaut.server.port", port,
            "buildswarm.redis-url", endpoint.url(),
            "buildswarm.swarm", swarmName,
            "buildswarm.dashboard.slow-interval", "500ms",
            "buildswarm.dashboard.utilisation-step", "1s"),
            DashboardMain.ENVIRONMENT);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    redis.shutdown();
  }

  private void open() {
    browser.driver.get("http://127.0.0.1:" + port + "/");
    await("the page is live", 10, () -> "live".equals(body().getAttribute("data-conn")));
  }

  private WebElement body() {
    return browser.driver.findElement(By.tagName("body"));
  }

  private List<WebElement> cards() {
    return browser.driver.findElements(By.cssSelector("#drones .drone"));
  }

  private WebElement card(String name) {
    return browser.driver.findElement(By.cssSelector("#drones .drone[data-drone='" + name + "']"));
  }

  private String text(String css) {
    return browser.driver.findElement(By.cssSelector(css)).getText();
  }

  private void await(String what, int seconds, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser.driver, Duration.ofSeconds(seconds))
        .pollingEvery(Duration.ofMillis(20))
        .withMessage(what)
        .ignoring(org.openqa.selenium.NoSuchElementException.class)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(d -> condition.getAsBoolean());
  }

  @Test
  void eightDronesReportingWithinTheSameTenMillisecondsAllShowWithTheirOwnState() {
    open();
    long now = System.currentTimeMillis();
    // One atomic batch: the eight buckets land in Redis in the same instant (lesson 4), well within
    // 10 ms, and the dashboard sees all eight in one read.
    RBatch batch = redis.createBatch(BatchOptions.defaults().executionMode(BatchOptions.ExecutionMode.IN_MEMORY_ATOMIC));
    for (int i = 0; i < 8; i++) {
      List<String> running = i % 2 == 0 ? List.of((100 + i) + "=dev-libs/lib" + i + "-1.0") : List.of();
      Map<String, String> bucket = SwarmWriter.bucket("drone-" + i, 4 + i, 2, running, now);
      batch.<String, String>getMap(keys.droneBucket("drone-" + i)).putAllAsync(bucket);
      batch.<String>getSet(keys.droneIndex()).addAsync("drone-" + i);
    }
    batch.execute();

    await("eight cards", 5, () -> cards().size() == 8);
    for (int i = 0; i < 8; i++) {
      WebElement card = card("drone-" + i);
      String state = i % 2 == 0 ? "building" : "idle";
      assertEquals(state, card.getAttribute("data-state"), "drone-" + i);
      assertEquals(state.toUpperCase(), card.findElement(By.cssSelector(".state")).getText());
      assertTrue(card.getText().contains((4 + i) + " cores"), card.getText());
      if (i % 2 == 0) {
        assertEquals("dev-libs/lib" + i + "-1.0", card.findElement(By.cssSelector("li.build .atom")).getText());
      }
    }
    assertEquals(
        "Queue: 0 packages · Drones: 4 active, 4 idle, 0 grounded · Cores: 28 active · IDLE", text("#summary"));
  }

  @Test
  void aBuildStartedOnADroneAppearsOnItsCardWithinOneSecond() {
    long now = System.currentTimeMillis();
    swarm.drone("builder", 16, 2, List.of(), now);
    swarm.pkg("41", "=dev-lang/rust-1.75.0", "queued", 3_600_000, now, Map.of());
    open();
    await("the idle drone", 5, () -> "idle".equals(card("builder").getAttribute("data-state")));

    // What claim.lua, started.lua and the session's next bucket write leave in Redis.
    long started = System.currentTimeMillis();
    swarm.move("41", "=dev-lang/rust-1.75.0", "queued", "building",
        Map.of("owner", "builder", "drone", "builder", "token", "1", "started_ms", String.valueOf(started)));
    swarm.drone("builder", 16, 2, List.of("41==dev-lang/rust-1.75.0"), started);
    await("the build on its card", 1, () -> card("builder").getText().contains("=dev-lang/rust-1.75.0"));
    long shownAfter = System.currentTimeMillis() - started;
    assertTrue(shownAfter <= 1_000, "shown after " + shownAfter + " ms");

    WebElement build = card("builder").findElement(By.cssSelector("li.build"));
    await("elapsed and expected time", 3, () -> build.getText().contains("/ ~1 h 0 min"));
    assertEquals("building", card("builder").getAttribute("data-state"));
    assertTrue(text("#summary").startsWith("Queue: 1 packages · Drones: 1 active, 0 idle, 0 grounded · Cores: 16 active · BUILDING"),
        text("#summary"));
  }

  @Test
  void killingAndRestartingTheDashboardMakesThePageReconnectAndShowCurrentState() {
    long now = System.currentTimeMillis();
    swarm.drone("alpha", 8, 1, List.of(), now);
    open();
    await("alpha", 5, () -> cards().size() == 1);

    server.close();
    server = null;
    await("the page says it is stale", 5, () -> "stale".equals(body().getAttribute("data-conn")));
    assertTrue(text("#conn").startsWith("stale"), text("#conn"));

    // The swarm moves on while the dashboard is down.
    long later = System.currentTimeMillis();
    swarm.drone("alpha", 8, 1, List.of("7==app-misc/hello-2.12"), later);
    swarm.drone("beta", 4, 1, List.of(), later);
    server = startDashboard();

    await("reconnected and current", 20, () ->
        "live".equals(body().getAttribute("data-conn"))
            && cards().size() == 2
            && "building".equals(card("alpha").getAttribute("data-state")));
    assertEquals("idle", card("beta").getAttribute("data-state"));
  }

  @Test
  void aFailedPackageShowsItsReason() {
    long now = System.currentTimeMillis();
    swarm.pkg("9", "=sys-devel/gcc-13.2.0", "failed", 5_400_000, now,
        Map.of("reason", "compile error: internal compiler error: Killed (program cc1plus)", "drone", "drone-3",
            "last_class", "PERMANENT", "finished_ms", String.valueOf(now)));
    swarm.log("9", "x86_64-pc-linux-gnu-g++: fatal error: Killed signal terminated program cc1plus\n");
    open();
    swarm.event(now, "type", "failed", "id", "9", "atom", "=sys-devel/gcc-13.2.0", "drone", "drone-3", "reason",
        "compile error: internal compiler error: Killed (program cc1plus)");
    await("the failed package with its reason", 5, () ->
        text("#failed .failed-pkg[data-pkg='9'] .reason").equals("compile error: internal compiler error: Killed (program cc1plus)"));
    await("its log tail", 5, () -> text("#failed .failed-pkg[data-pkg='9'] pre.log").contains("fatal error: Killed signal"));
    await("the event", 5, () -> text("#events").contains("=sys-devel/gcc-13.2.0"));
  }

  @Test
  void aPageThatMissesADeltaAsksForASnapshotAndCatchesUp() {
    swarm.drone("one", 2, 1, List.of(), System.currentTimeMillis());
    open();
    await("one", 5, () -> cards().size() == 1);
    browser.driver.executeScript("window.buildswarm.dropNextDelta()");
    swarm.drone("two", 2, 1, List.of(), System.currentTimeMillis());
    // The lost delta carried "two"; the next one (a keep-alive within a second) shows the gap.
    await("a resync", 5, () -> "1".equals(body().getAttribute("data-resyncs")));
    await("two, from the fresh snapshot", 5, () -> cards().size() == 2);
  }

  @Test
  void withoutAnOperatorTokenThePageOffersNoActions() {
    swarm.drone("solo", 2, 1, List.of(), System.currentTimeMillis());
    open();
    await("solo", 5, () -> cards().size() == 1);
    await("the operator button hidden", 5, () -> !browser.driver.findElement(By.id("operator")).isDisplayed());
    for (WebElement button : browser.driver.findElements(By.cssSelector("button.act"))) {
      assertTrue(!button.isDisplayed(), "action " + button.getAttribute("data-action") + " is hidden");
    }
  }

  @Test
  void fiveHundredDronesAndFiftyThousandQueuedPackagesDoNotFreezeThePage() {
    long now = System.currentTimeMillis();
    RBatch batch = redis.createBatch();
    for (int i = 0; i < 500; i++) {
      String name = String.format("node-%03d", i);
      List<String> running = i % 5 == 0 ? List.of() : List.of((100_000 + i) + "=dev-libs/big" + i + "-1");
      batch.<String, String>getMap(keys.droneBucket(name)).putAllAsync(SwarmWriter.bucket(name, 8, 1, running, now));
      batch.<String>getSet(keys.droneIndex()).addAsync(name);
    }
    for (int i = 1; i <= 50_000; i++) {
      String id = String.valueOf(i);
      Map<String, String> rec = new HashMap<>();
      rec.put("id", id);
      rec.put("atom", "=dev-libs/pkg" + i + "-1.0");
      rec.put("state", "queued");
      rec.put("expected_ms", "600000");
      batch.<String, String>getMap(keys.pkg(id)).putAllAsync(rec);
      batch.<String, String>getMap(keys.activeAtoms()).putAsync("=dev-libs/pkg" + i + "-1.0", id);
    }
    batch.getMap(keys.stateCounts()).putAsync("queued", "50000");
    batch.execute();

    open();
    await("500 cards", 20, () -> cards().size() == 500);
    await("the header", 10, () -> text("#summary").startsWith("Queue: 50000 packages · Drones: 400 active, 100 idle"));
    await("an ETA from recorded durations", 20, () -> text("#eta").contains("ETA"));
    // 50,000 × 10 min over 500 slots: 1,000 min.
    assertTrue(text("#eta").contains("ETA 16 h 40 min"), text("#eta"));

    // While 500 drones heartbeat, the page answers within a frame or two.
    List<Long> answers = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      long t = System.currentTimeMillis();
      RBatch beat = redis.createBatch();
      for (int i = 0; i < 500; i++) {
        String name = String.format("node-%03d", i);
        beat.<String, String>getMap(keys.droneBucket(name)).putAsync(DroneBucket.LAST_HEARTBEAT_MS, String.valueOf(t));
      }
      beat.execute();
      long asked = System.nanoTime();
      browser.driver.executeAsyncScript("requestAnimationFrame(() => arguments[arguments.length - 1]())");
      answers.add((System.nanoTime() - asked) / 1_000_000);
    }
    long worst = answers.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(worst < 1_000, "frame answers " + answers + " ms");
  }

  /** Not a check: saves what the page looks like with a few drones at work, for docs/dashboard.png. */
  @Test
  void aScreenshotOfABusySwarm() throws Exception {
    Path target = Path.of(System.getProperty("buildswarm.screenshot", "target/dashboard.png"));
    DemoSwarm.write(swarm, redis, keys, System.currentTimeMillis());
    open();
    await("the demo drones", 10, () -> cards().size() == 6);
    await("the charts", 10, () -> text("#eta").contains("ETA"));
    // A few seconds of drones taking and finishing work, for the utilisation chart.
    for (int second = 0; second < 12; second++) {
      long t = System.currentTimeMillis();
      swarm.drone("builder-05", 4, 1, second % 4 < 2 ? List.of("301==app-misc/demo1-1.0") : List.of(), t);
      swarm.drone("builder-02", 16, 2, second % 3 == 0 ? List.of("203==www-client/firefox-121.0")
          : List.of("203==www-client/firefox-121.0", "204==dev-qt/qtwebengine-6.6.1"), t);
      Thread.sleep(1_000);
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.write(target, browser.driver.getScreenshotAs(OutputType.BYTES));
  }
}

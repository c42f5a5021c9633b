package dev.buildswarm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One coordinator (its own process) with many simulated drones ({@link SimulatedDrones}, one slot
 * each, builds of a random 20 to 40 s) and a large queue: Redis memory per queued package, the
 * coordinator's heap and CPU, claim latency as a drone sees it, and the dashboard's snapshot size,
 * read time and how soon a build's end shows in a delta on a page. Prints {@code key=value} lines.
 *
 * <p>Usage: {@code java -cp bench-all.jar dev.buildswarm.bench.ScaleBenchmark GRPC_ADDRESS
 * TOKEN_DIR REDIS_PORT COORDINATOR_PID COORDINATOR_HTTP_PORT DASHBOARD_PORT DASHBOARD_PID DRONES
 * PACKAGES SECONDS}, where TOKEN_DIR holds the files {@code drone}, {@code operator} and {@code
 * reader}.
 */
public final class ScaleBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Serial GC's lines in GC.heap_info: "DefNew  total 116288K, used 96939K [...]", "Tenured ...". */
  private static final Pattern HEAP_LINE =
      Pattern.compile("(?m)^\\s*(?:DefNew|Tenured|def new generation|tenured generation)\\s+total (\\d+)K, used (\\d+)K");

  private ScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    Path tokens = Path.of(args[1]);
    int redisPort = Integer.parseInt(args[2]);
    long coordinatorPid = Long.parseLong(args[3]);
    int coordinatorHttp = Integer.parseInt(args[4]);
    int dashboardPort = Integer.parseInt(args[5]);
    long dashboardPid = Long.parseLong(args[6]);
    int drones = Integer.parseInt(args[7]);
    int packages = Integer.parseInt(args[8]);
    int seconds = Integer.parseInt(args[9]);
    String reader = Admin.token(tokens.resolve("reader"));

    try (Admin admin = new Admin(target, tokens.resolve("operator"))) {
      long before = usedMemory(redisPort);
      long start = System.nanoTime();
      admin.importAtoms("s", packages);
      double importSeconds = (System.nanoTime() - start) / 1e9;
      long after = usedMemory(redisPort);
      System.out.printf(
          "import packages=%d seconds=%.1f redis_used_before=%d redis_used_after=%d redis_bytes_per_queued_package=%.0f%n",
          packages, importSeconds, before, after, (after - before) / (double) packages);
      heap("coordinator_queued_no_drones", coordinatorPid);

      start = System.nanoTime();
      try (SimulatedDrones swarm =
          new SimulatedDrones(target, Admin.token(tokens.resolve("drone")), "scale", drones, 1, 20_000, 40_000)) {
        if (!swarm.awaitRegistered(120)) {
          throw new IllegalStateException("drones did not all register within 120 s");
        }
        System.out.printf("drones registered=%d seconds=%.1f%n", drones, (System.nanoTime() - start) / 1e9);
        // A page from now on: the dashboard starts its feed with its first page, and its first
        // reads (every queued package's expected time, once) are not what a page sees later.
        PageFeed page = new PageFeed(dashboardPort, reader);
        // Let every drone get its first package and the JITs settle before measuring.
        Thread.sleep(20_000);
        System.out.printf("running builds=%d (of %d slots)%n", swarm.running(), drones);
        page.reset();
        swarm.onFinished = page.finishedAt::put;
        swarm.startRecording();
        long beats = swarm.heartbeats.get();
        long finished = swarm.finished.get();
        Map<Double, Double> readsBefore = buckets(metrics(dashboardPort, reader), READ_SECONDS);
        double cpu0 = cpuSeconds(coordinatorPid);
        double dashCpu0 = cpuSeconds(dashboardPid);
        long window0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double window = (System.nanoTime() - window0) / 1e9;
        double cpu = cpuSeconds(coordinatorPid) - cpu0;
        double dashCpu = cpuSeconds(dashboardPid) - dashCpu0;
        windowReads(readsBefore, buckets(metrics(dashboardPort, reader), READ_SECONDS));
        page.close();
        // A page that connects now gets the whole snapshot of the running swarm.
        PageFeed late = new PageFeed(dashboardPort, reader);
        late.awaitSnapshot();
        late.close();
        System.out.printf(
            "window seconds=%.1f builds_finished=%d heartbeats=%d session_errors=%d%n",
            window, swarm.finished.get() - finished, swarm.heartbeats.get() - beats, swarm.errors.get());
        System.out.printf(
            "coordinator cpu_seconds=%.1f cpu_share_of_one_core=%.2f%n", cpu, cpu / window);
        System.out.printf("dashboard cpu_seconds=%.1f cpu_share_of_one_core=%.2f%n", dashCpu, dashCpu / window);
        Latencies claims = swarm.claimLatency;
        System.out.printf(
            "claim latency (BuildFinished sent to next Assignment received) count=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
            claims.count(), claims.quantile(0.5) / 1e3, claims.quantile(0.99) / 1e3, claims.quantile(1.0) / 1e3);
        page.report();
        System.out.printf(
            "dashboard snapshot on connect bytes=%d connect_to_snapshot_ms=%.0f%n", late.snapshotBytes, late.snapshotMs);
        scripts(coordinatorHttp, reader);
        dashboardMetrics(dashboardPort, reader);
        heap("coordinator", coordinatorPid);
        heap("dashboard", dashboardPid);
        System.out.printf("redis used_memory=%d queued=%d%n", usedMemory(redisPort), admin.count("queued"));
      }
    }
  }

  /** Redis's used_memory, from INFO memory. */
  private static long usedMemory(int port) throws IOException, InterruptedException {
    String info = run("redis-cli", "-p", String.valueOf(port), "info", "memory");
    Matcher m = Pattern.compile("used_memory:(\\d+)").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("no used_memory in " + info);
    }
    return Long.parseLong(m.group(1));
  }

  /** Heap used as the JVM holds it now, then after a full collection (what is live). */
  private static void heap(String who, long pid) throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    long used = heapUsedKib(run(jcmd, String.valueOf(pid), "GC.heap_info"));
    run(jcmd, String.valueOf(pid), "GC.run");
    String info = run(jcmd, String.valueOf(pid), "GC.heap_info");
    long live = heapUsedKib(info);
    Matcher total = HEAP_LINE.matcher(info);
    long committed = 0;
    while (total.find()) {
      committed += Long.parseLong(total.group(1));
    }
    System.out.printf(
        "%s heap_used_mib=%.1f live_after_full_gc_mib=%.1f committed_mib=%.1f rss_mib=%.1f%n",
        who, used / 1024.0, live / 1024.0, committed / 1024.0, rssKib(pid) / 1024.0);
  }

  private static long heapUsedKib(String heapInfo) {
    Matcher m = HEAP_LINE.matcher(heapInfo);
    long used = 0;
    boolean any = false;
    while (m.find()) {
      used += Long.parseLong(m.group(2));
      any = true;
    }
    if (!any) {
      throw new IllegalStateException("unexpected GC.heap_info (run the JVM with -XX:+UseSerialGC): " + heapInfo);
    }
    return used;
  }

  private static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  /** User plus system CPU time of a process, in seconds (CLK_TCK is 100 on Linux). */
  private static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  private static String metrics(int port, String reader) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).header("Authorization", "Bearer " + reader).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Mean round trip of each script the coordinator ran, from its histogram. */
  private static void scripts(int port, String reader) throws IOException, InterruptedException {
    Map<String, double[]> byScript = new java.util.TreeMap<>();
    Matcher m =
        Pattern.compile("(?m)^buildswarm_script_seconds_(count|sum)\\{[^}]*script=\"([^\"]+)\"[^}]*} (\\S+)").matcher(metrics(port, reader));
    while (m.find()) {
      byScript.computeIfAbsent(m.group(2), s -> new double[2])[m.group(1).equals("count") ? 0 : 1] = Double.parseDouble(m.group(3));
    }
    byScript.forEach(
        (script, v) -> System.out.printf("coordinator script=%s calls=%.0f mean_ms=%.3f (whole run)%n", script, v[0], 1000 * v[1] / v[0]));
  }

  private static final String READ_SECONDS = "buildswarm_dashboard_snapshot_read_seconds";

  /** A histogram's cumulative bucket counts by upper bound ({@code +Inf} as infinity). */
  private static Map<Double, Double> buckets(String text, String name) {
    Map<Double, Double> counts = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} (\\S+)").matcher(text);
    while (m.find()) {
      counts.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
    }
    return counts;
  }

  /** Reads of the swarm by the dashboard within the window: how many, and the bucket of the p50/p99. */
  private static void windowReads(Map<Double, Double> before, Map<Double, Double> after) {
    double total = after.getOrDefault(Double.POSITIVE_INFINITY, 0.0) - before.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    for (Map.Entry<Double, Double> e : after.entrySet()) {
      double n = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      if (Double.isNaN(p50) && n >= 0.5 * total) {
        p50 = e.getKey();
      }
      if (Double.isNaN(p99) && n >= 0.99 * total) {
        p99 = e.getKey();
      }
    }
    System.out.printf("dashboard snapshot reads in the window count=%.0f p50_at_most_s=%s p99_at_most_s=%s%n", total, p50, p99);
  }

  /** The dashboard's own figures: snapshot read time and snapshot size. */
  private static void dashboardMetrics(int port, String reader) throws IOException, InterruptedException {
    String text = metrics(port, reader);
    for (String name : new String[] {"buildswarm_dashboard_snapshot_read_seconds", "buildswarm_dashboard_snapshot_size_bytes"}) {
      double count = sample(text, name + "_count");
      double sum = sample(text, name + "_sum");
      double max = sample(text, name + "_max");
      System.out.printf("dashboard %s count=%.0f mean=%.4f max=%.4f (whole run)%n", name, count, sum / count, max);
    }
  }

  private static double sample(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /**
   * A page on the dashboard's feed, as a browser holds it: the snapshot on connect, then deltas.
   * Measures each message's size and how long after a drone sent a build's success its {@code done}
   * event reached the page.
   */
  private static final class PageFeed implements WebSocket.Listener {
    final Map<String, Long> finishedAt = new ConcurrentHashMap<>();
    final Latencies doneToPage = new Latencies();
    final Latencies deltaBytes = new Latencies();
    final Latencies gapsMs = new Latencies();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;
    private final long opened = System.nanoTime();
    private volatile long snapshotBytes = -1;
    private volatile double snapshotMs = -1;
    private long lastDelta;

    PageFeed(int port, String reader) {
      socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .header("Authorization", "Bearer " + reader)
              .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), this)
              .join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        message(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    private synchronized void message(String text) {
      long now = System.currentTimeMillis();
      JsonNode m;
      try {
        m = JSON.readTree(text);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      int bytes = text.getBytes(StandardCharsets.UTF_8).length;
      if (m.path("type").asText().equals("snapshot")) {
        if (snapshotBytes < 0) {
          snapshotBytes = bytes;
          snapshotMs = (System.nanoTime() - opened) / 1e6;
        }
        return;
      }
      deltaBytes.add(bytes);
      long t = System.nanoTime();
      if (lastDelta != 0) {
        gapsMs.add((t - lastDelta) / 1_000_000);
      }
      lastDelta = t;
      for (JsonNode e : m.path("events")) {
        if (e.path("fields").path("type").asText().equals("done")) {
          Long sent = finishedAt.remove(e.path("fields").path("id").asText());
          if (sent != null) {
            doneToPage.add(now - sent);
          }
        }
      }
    }

    synchronized void reset() {
      doneToPage.clear();
      deltaBytes.clear();
      gapsMs.clear();
      lastDelta = 0;
    }

    void awaitSnapshot() throws InterruptedException {
      for (int i = 0; i < 100 && snapshotBytes < 0; i++) {
        Thread.sleep(50);
      }
    }

    void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }

    synchronized void report() {
      System.out.printf(
          "dashboard page deltas=%d bytes_p50=%d bytes_p99=%d gap_p50_ms=%d gap_max_ms=%d%n",
          deltaBytes.count(), deltaBytes.quantile(0.5), deltaBytes.quantile(0.99), gapsMs.quantile(0.5), gapsMs.quantile(1.0));
      System.out.printf(
          "dashboard page build_end_to_delta count=%d p50_ms=%d p99_ms=%d max_ms=%d (unmatched %d)%n",
          doneToPage.count(), doneToPage.quantile(0.5), doneToPage.quantile(0.99), doneToPage.quantile(1.0), finishedAt.size());
    }
  }
}

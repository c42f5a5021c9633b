// The chaos soak's plan and verdict (deploy-scripts/chaos-soak runs it as a single-file source
// program with the coordinator's jar on the class path, for Jackson).
//
//   java -cp coordinator.jar ChaosCheck.java plan DIR PACKAGES SEED
//     writes DIR/plan.tsv (atom, outcome, dependencies), DIR/durations.table (fake-emerge's table)
//     and DIR/queue.json (for `swarm queue import`).
//   java -cp coordinator.jar ChaosCheck.java check DIR MAX_LOSSES [--strict]
//     reads what the soak collected in DIR (packages-*.json from `swarm --json queue list`,
//     records.json and events-*.json read from Redis, builds.log written by fake-emerge,
//     faults.tsv, cuts.tsv) and prints the end state; exits 1 if any invariant does not hold.
//     Builds that overlap because a drone built on past its expired lease (behind the cut network,
//     or cut off from its coordinator while it restarted) are a known issue (docs/chaos.md): listed
//     as KNOWN, and failing the check only with --strict.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

public class ChaosCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws IOException {
    if (args.length == 4 && args[0].equals("plan")) {
      plan(Path.of(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
    } else if (args.length >= 3 && args[0].equals("check")) {
      boolean strict = args.length > 3 && args[3].equals("--strict");
      System.exit(check(Path.of(args[1]), Integer.parseInt(args[2]), strict) ? 0 : 1);
    } else {
      System.err.println("usage: ChaosCheck plan DIR PACKAGES SEED | ChaosCheck check DIR MAX_LOSSES [--strict]");
      System.exit(2);
    }
  }

  // ---------------------------------------------------------------------------------- the plan

  /**
   * Packages in 20 categories; about half wait for one or two of the 200 before them; 1.5% fail
   * to compile (PERMANENT), 6% fail to fetch once and 1% twice before they build (TRANSIENT), the
   * rest build. Builds take 0.05 to 0.3 s (fake-emerge's scale stretches them), 2% take 1 to 2 s.
   */
  static void plan(Path dir, int packages, long seed) throws IOException {
    Random random = new Random(seed);
    List<String> atoms = new ArrayList<>();
    StringBuilder plan = new StringBuilder();
    StringBuilder table = new StringBuilder("# written by ChaosCheck plan\n");
    ArrayNode queue = JSON.createArrayNode();
    for (int i = 0; i < packages; i++) {
      String cpv = String.format("chaos-c%02d/pkg%05d-1.0", i % 20, i);
      String atom = "=" + cpv;
      double roll = random.nextDouble();
      String outcome = roll < 0.015 ? "fail" : roll < 0.075 ? "transient:1" : roll < 0.085 ? "transient:2" : "ok";
      double seconds = random.nextDouble() < 0.02 ? 1 + random.nextDouble() : 0.05 + random.nextDouble() * 0.25;
      List<String> after = new ArrayList<>();
      if (i >= 10 && random.nextBoolean()) {
        int count = 1 + random.nextInt(2);
        for (int d = 0; d < count; d++) {
          String dep = atoms.get(Math.max(0, i - 1 - random.nextInt(Math.min(i, 200))));
          if (!after.contains(dep)) {
            after.add(dep);
          }
        }
      }
      atoms.add(atom);
      plan.append(atom).append('\t').append(outcome).append('\t').append(String.join(",", after)).append('\n');
      table.append(cpv).append(' ').append(String.format("%.3f", seconds)).append(' ').append(outcome).append('\n');
      ObjectNode item = queue.addObject();
      item.put("atom", atom);
      ArrayNode deps = item.putArray("after");
      after.forEach(deps::add);
    }
    Files.writeString(dir.resolve("plan.tsv"), plan);
    Files.writeString(dir.resolve("durations.table"), table);
    JSON.writeValue(dir.resolve("queue.json").toFile(), JSON.createObjectNode().set("packages", queue));
  }

  // --------------------------------------------------------------------------------- the check

  record Planned(String atom, String outcome, List<String> after) {}

  record Build(String who, long pid, int attempt, double start, double end, String result) {}

  static boolean check(Path dir, int maxLosses, boolean strict) throws IOException {
    List<String> violations = new ArrayList<>();
    Map<String, Planned> plan = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("plan.tsv"))) {
      String[] f = line.split("\t", -1);
      plan.put(f[0], new Planned(f[0], f[1], f[2].isEmpty() ? List.of() : List.of(f[2].split(","))));
    }

    // What the CLI lists (swarm --json queue list, every page).
    Map<String, String> listedState = new HashMap<>();
    Map<String, Integer> listedTimes = new HashMap<>();
    try (Stream<Path> pages = Files.list(dir)) {
      for (Path page : pages.filter(p -> p.getFileName().toString().matches("packages-\\d+\\.json")).toList()) {
        for (JsonNode row : JSON.readTree(page.toFile()).get("packages")) {
          String atom = row.get("atom").asText();
          listedState.put(atom, row.get("state").asText());
          listedTimes.merge(atom, 1, Integer::sum);
        }
      }
    }

    // The package records as Redis holds them: id atom state attempt failures losses reason.
    Map<String, JsonNode> records = new HashMap<>();
    Map<String, String> atomById = new HashMap<>();
    for (JsonNode rec : JSON.readTree(dir.resolve("records.json").toFile())) {
      if (rec.get(1).isNull()) {
        continue;
      }
      records.put(rec.get(1).asText(), rec);
      atomById.put(rec.get(0).asText(), rec.get(1).asText());
    }

    // The event stream: how often each package was reported done, refused verdicts, expired leases.
    Map<String, Integer> doneEvents = new HashMap<>();
    List<String[]> expiries = new ArrayList<>(); // atom, drone, epoch ms of a reaped lease
    Map<String, Integer> eventTypes = new TreeMap<>();
    List<Path> eventPages;
    try (Stream<Path> pages = Files.list(dir)) {
      eventPages = pages.filter(p -> p.getFileName().toString().matches("events-\\d+\\.json")).sorted().toList();
    }
    for (Path page : eventPages) {
      for (JsonNode entry : JSON.readTree(page.toFile())) {
        JsonNode fields = entry.get(1);
        Map<String, String> f = new HashMap<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          f.put(fields.get(i).asText(), fields.get(i + 1).asText());
        }
        // An entry may hold several events (a group, a build done with its drone's next claim).
        for (Map<String, String> event : dev.buildswarm.redis.EventEntries.expand(f)) {
          String type = event.getOrDefault("type", "?");
          eventTypes.merge(type, 1, Integer::sum);
          if (type.equals("lease_expired")) {
            expiries.add(new String[] {atomById.getOrDefault(event.get("id"), "#" + event.get("id")), event.get("drone"), event.get("ts")});
          }
          if (type.equals("done")) {
            doneEvents.merge(atomById.getOrDefault(event.get("id"), "#" + event.get("id")), 1, Integer::sum);
          }
        }
      }
    }

    // 1. Every planned package is listed exactly once, in a terminal state, and nothing else is.
    Map<String, Integer> byState = new TreeMap<>();
    for (Planned p : plan.values()) {
      String state = listedState.get(p.atom());
      if (state == null) {
        violations.add("LOST: " + p.atom() + " is not listed by swarm queue list");
        continue;
      }
      byState.merge(state, 1, Integer::sum);
      if (listedTimes.get(p.atom()) != 1) {
        violations.add("LISTED " + listedTimes.get(p.atom()) + " TIMES: " + p.atom());
      }
      if (!state.equals("done") && !state.equals("failed") && !state.equals("cancelled")) {
        violations.add("NOT ENDED: " + p.atom() + " is " + state);
      }
    }
    for (String atom : listedState.keySet()) {
      if (!plan.containsKey(atom)) {
        violations.add("UNKNOWN PACKAGE listed: " + atom);
      }
    }

    // 2. Each ended as the plan says: a compile error fails, a fetch failure is retried and builds,
    // a package waiting for a failed one fails with it. A package lost with its drone max-losses
    // times is failed by the poison-pill guard: allowed, counted, and its dependents fail too.
    Map<String, String> expected = new HashMap<>();
    int poisoned = 0;
    for (Planned p : plan.values()) { // dependencies come earlier in the plan
      JsonNode rec = records.get(p.atom());
      boolean lostTooOften = rec != null && rec.get(5).asInt(0) >= maxLosses && "failed".equals(rec.get(2).asText());
      if (lostTooOften) {
        poisoned++;
      }
      boolean depFailed = p.after().stream().anyMatch(d -> !"done".equals(expected.get(d)));
      expected.put(p.atom(), p.outcome().equals("fail") || depFailed || lostTooOften ? "failed" : "done");
    }
    int wrongEnd = 0;
    for (Planned p : plan.values()) {
      String state = listedState.get(p.atom());
      if (state != null && !state.equals(expected.get(p.atom()))) {
        JsonNode rec = records.get(p.atom());
        violations.add("WRONG END: " + p.atom() + " (" + p.outcome() + ") is " + state + ", expected "
            + expected.get(p.atom()) + (rec == null ? "" : "; record " + rec));
        wrongEnd++;
      }
    }

    // 3. The coordinator accepted one success per built package, and none for the others.
    int doneTwice = 0;
    for (Planned p : plan.values()) {
      int n = doneEvents.getOrDefault(p.atom(), 0);
      int want = "done".equals(listedState.get(p.atom())) ? 1 : 0;
      if (n != want) {
        violations.add("DONE " + n + " TIMES: " + p.atom() + " (state " + listedState.get(p.atom()) + ")");
        doneTwice += n > 1 ? 1 : 0;
      }
    }

    // 4. The builder's own log: no two builds of one package ran at the same time, every build
    // that started ended (none left running), and how many builds succeeded beyond the one
    // accepted (a build whose lease was lost: its verdict is refused).
    Map<String, List<Build>> builds = new HashMap<>();
    Map<String, Build> open = new HashMap<>();
    int starts = 0;
    for (String line : Files.readAllLines(dir.resolve("builds.log"))) {
      String[] f = line.trim().split(" ");
      if (f.length < 6) {
        violations.add("BAD BUILD LOG LINE: " + line);
        continue;
      }
      String key = f[2] + " " + f[5];
      if (f[0].equals("start")) {
        starts++;
        open.put(key, new Build(f[4], Long.parseLong(f[2]), Integer.parseInt(f[3]), Double.parseDouble(f[1]), Double.NaN, null));
      } else {
        Build b = open.remove(key);
        if (b == null) {
          violations.add("END WITHOUT START: " + line);
          continue;
        }
        builds.computeIfAbsent("=" + f[5], a -> new ArrayList<>())
            .add(new Build(b.who(), b.pid(), b.attempt(), b.start(), Double.parseDouble(f[1]), f.length > 6 ? f[6] : "?"));
      }
    }
    for (Map.Entry<String, Build> o : open.entrySet()) {
      violations.add("BUILD NEVER ENDED: pid " + o.getValue().pid() + " on " + o.getValue().who() + ": " + o.getKey());
      builds.computeIfAbsent("=" + o.getKey().split(" ")[1], a -> new ArrayList<>())
          .add(new Build(o.getValue().who(), o.getValue().pid(), o.getValue().attempt(), o.getValue().start(), Double.POSITIVE_INFINITY, "never"));
    }
    // Network cuts: "DRONE START_EPOCH END_EPOCH" per line.
    List<String[]> cuts = new ArrayList<>();
    if (Files.exists(dir.resolve("cuts.tsv"))) {
      for (String line : Files.readAllLines(dir.resolve("cuts.tsv"))) {
        cuts.add(line.split("\t"));
      }
    }
    List<String> known = new ArrayList<>();
    int overlapping = 0;
    int extraSuccesses = 0;
    Map<String, Integer> results = new TreeMap<>();
    for (Map.Entry<String, List<Build>> e : builds.entrySet()) {
      List<Build> list = e.getValue();
      list.sort((a, b) -> Double.compare(a.start(), b.start()));
      double lastEnd = Double.NEGATIVE_INFINITY;
      Build last = null;
      int ok = 0;
      for (Build b : list) {
        results.merge(b.result(), 1, Integer::sum);
        if (b.start() < lastEnd) {
          Build early = last;
          boolean behindCut = cuts.stream().anyMatch(c -> (early.who().equals(c[0]) || b.who().equals(c[0]))
              && early.start() < Double.parseDouble(c[2]) && early.end() > Double.parseDouble(c[1]));
          // The same cause without a cut: the drone lost its coordinator (killed, restarting) and
          // built on after the lease had expired and been reaped (docs/chaos.md).
          boolean pastLease = expiries.stream().anyMatch(x -> x[0].equals(e.getKey()) && x[1].equals(early.who())
              && Double.parseDouble(x[2]) / 1000 > early.start() && Double.parseDouble(x[2]) / 1000 < early.end());
          boolean isKnown = (behindCut || pastLease) && !strict;
          overlapping += isKnown ? 0 : 1;
          (isKnown ? known : violations).add(String.format(
              "OVERLAP: %s built on %s (pid %d, attempt %d, %.3f-%.3f, %s) and on %s (pid %d, attempt %d, %.3f-%.3f, %s): %.3f s together",
              e.getKey(), last.who(), last.pid(), last.attempt(), last.start(), last.end(), last.result(),
              b.who(), b.pid(), b.attempt(), b.start(), b.end(), b.result(), Math.min(lastEnd, b.end()) - b.start()));
        }
        if (b.end() > lastEnd) {
          lastEnd = b.end();
          last = b;
        }
        ok += "ok".equals(b.result()) ? 1 : 0;
      }
      extraSuccesses += Math.max(0, ok - 1);
      if (ok == 0 && "done".equals(listedState.get(e.getKey()))) {
        violations.add("DONE WITHOUT A SUCCESSFUL BUILD: " + e.getKey());
      }
    }
    for (Planned p : plan.values()) {
      if ("done".equals(listedState.get(p.atom())) && !builds.containsKey(p.atom())) {
        violations.add("DONE BUT NEVER BUILT: " + p.atom());
      }
    }

    // The report.
    Map<String, Integer> planned = new TreeMap<>();
    plan.values().forEach(p -> planned.merge(p.outcome(), 1, Integer::sum));
    System.out.println("chaos soak: end state");
    System.out.printf("  packages planned      %d %s%n", plan.size(), planned);
    System.out.printf("  packages listed       %d, by state %s%n", listedState.size(), byState);
    System.out.printf("  expected done/failed  %d / %d (failed: compile errors, their dependents, %d lost %d times)%n",
        expected.values().stream().filter("done"::equals).count(),
        expected.values().stream().filter("failed"::equals).count(), poisoned, maxLosses);
    System.out.printf("  builder runs          %d started, by result %s%n", starts, results);
    System.out.printf("  extra successful runs %d (lease lost while building; their verdicts refused)%n", extraSuccesses);
    System.out.printf("  events                %s%n", eventTypes);
    Path faults = dir.resolve("faults.tsv");
    if (Files.exists(faults)) {
      Map<String, Integer> counts = new TreeMap<>();
      for (String line : Files.readAllLines(faults)) {
        counts.merge(line.split("\t")[0], 1, Integer::sum);
      }
      System.out.printf("  faults injected       %s%n", counts);
    }
    System.out.printf("  invariants            wrong end %d, done twice %d, overlapping builds %d (+%d known), other %d%n",
        wrongEnd, doneTwice, overlapping, known.size(), violations.size() - wrongEnd - doneTwice - overlapping);
    for (String k : known) {
      System.out.println("  KNOWN ISSUE (a drone builds on past its expired lease; docs/chaos.md) " + k);
    }
    int shown = 0;
    for (String v : violations) {
      if (shown++ == 40) {
        System.out.println("  ... and " + (violations.size() - 40) + " more");
        break;
      }
      System.out.println("  VIOLATION " + v);
    }
    System.out.println(violations.isEmpty() ? "chaos soak: PASSED" : "chaos soak: FAILED (" + violations.size() + " violations)");
    return violations.isEmpty();
  }
}

package dev.buildswarm.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.buildswarm.atom.Atom;
import dev.buildswarm.coordinator.domain.DependencyOrder;
import dev.buildswarm.coordinator.domain.PackageList;
import dev.buildswarm.coordinator.domain.QueuedAtom;
import dev.buildswarm.coordinator.queue.SwarmService;
import dev.buildswarm.proto.v1.EnqueueReply;
import dev.buildswarm.proto.v1.EnqueueRequest;
import dev.buildswarm.proto.v1.EnqueueResult;
import dev.buildswarm.proto.v1.QueueItem;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code swarm queue import FILE|-}: queues a list of packages, a Portage {@code emerge -p} output
 * or a JSON file, all or nothing.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Queue the packages of a file: a plain list of atoms, emerge -p/-pv/--tree output, or JSON.",
      "If any line is bad, nothing is queued (each bad line is named) unless --skip-invalid is given.",
      "JSON: [\"=cat/pkg-1\", {\"atom\": \"=cat/other-2\", \"priority\": 5, \"after\": [\"=cat/pkg-1\"]}]"
          + " (or {\"packages\": [...]})."
    },
    footer = {
      "",
      "Examples:",
      "  emerge -pv --emptytree @world | swarm queue import --ordered -",
      "  swarm queue import --format list my-set.txt"
    })
final class QueueImport implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The file, or - for standard input.")
  String file;

  @Option(names = "--format", description = "list, emerge or json (default: detected).")
  String format;

  @Option(names = "--ordered", description = "Portage's merge order becomes build order: each package waits for the one before it.")
  boolean ordered;

  @Option(names = "--skip-invalid", description = "Queue the good lines even if some are bad (bad ones are still named).")
  boolean skipInvalid;

  @Option(names = "--priority", defaultValue = "0", description = "Priority of every package without its own (default ${DEFAULT-VALUE}).")
  int priority;

  /** Larger files are refused before they are read: split them. */
  static final long MAX_IMPORT_BYTES = 64L * 1024 * 1024;
  static final int MAX_IMPORT_PACKAGES = 250_000;

  /** One package to send: its atom, what it waits for, its own priority if any. */
  record Item(String atom, List<String> after, Integer priority) {}

  /**
   * What a file asks for.
   *
   * @param items the packages, in the file's order
   * @param bad entries that should be packages but are not, each named
   * @param skipped lines left out on purpose (blockers, uninstalls, binaries), each named
   */
  record Parsed(List<Item> items, List<String> bad, List<String> skipped) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String text;
    try {
      if (!file.equals("-") && Files.size(Path.of(file)) > MAX_IMPORT_BYTES) {
        err.println("swarm: " + file + " is " + Files.size(Path.of(file)) + " bytes; the import limit is "
            + MAX_IMPORT_BYTES / (1024 * 1024) + " MiB (split it into several imports); nothing queued");
        return SwarmCli.EXIT_BAD_INPUT;
      }
      text = file.equals("-") ? read(System.in) : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("swarm: cannot read " + file + ": " + e.getMessage());
      return SwarmCli.EXIT_BAD_INPUT;
    }
    if (text == null) {
      err.println("swarm: standard input is over the import limit of " + MAX_IMPORT_BYTES / (1024 * 1024)
          + " MiB (split it into several imports); nothing queued");
      return SwarmCli.EXIT_BAD_INPUT;
    }
    if (Math.abs((long) priority) > SwarmService.MAX_PRIORITY) {
      err.println("swarm: --priority " + priority + " is out of range -" + SwarmService.MAX_PRIORITY + " to " + SwarmService.MAX_PRIORITY);
      return SwarmCli.EXIT_BAD_INPUT;
    }
    Parsed parsed;
    try {
      parsed = parse(text, format, ordered);
    } catch (IllegalArgumentException e) {
      err.println("swarm: --format: " + e.getMessage());
      return SwarmCli.EXIT_BAD_INPUT;
    }
    List<Item> items = parsed.items();
    List<String> bad = parsed.bad();
    parsed.skipped().forEach(err::println);
    bad.forEach(line -> err.println("swarm: " + file + ": " + line));
    if (!bad.isEmpty() && !skipInvalid) {
      err.println("swarm: nothing queued: " + bad.size() + " bad entries in " + file + " (--skip-invalid queues the rest)");
      return SwarmCli.EXIT_BAD_INPUT;
    }
    if (items.isEmpty()) {
      err.println("swarm: no packages in " + file);
      return SwarmCli.EXIT_BAD_INPUT;
    }
    if (items.size() > MAX_IMPORT_PACKAGES) {
      err.println("swarm: " + file + " holds " + items.size() + " packages; the import limit is " + MAX_IMPORT_PACKAGES
          + " (split it into several imports); nothing queued");
      return SwarmCli.EXIT_BAD_INPUT;
    }
    List<Item> inOrder;
    try {
      inOrder = dependenciesFirst(items);
    } catch (IllegalArgumentException e) {
      err.println("swarm: " + file + ": " + e.getMessage() + "; nothing queued");
      return SwarmCli.EXIT_BAD_INPUT;
    }
    return send(inOrder, out, err);
  }

  /**
   * The whole import in the order the queue takes a request (dependencies first, an atom named
   * twice merged, cycles and self-dependencies refused), before anything is sent. The coordinator
   * orders and checks each request on its own; an import of more than one request would otherwise
   * name in one request a package that only a later one queues (refused after the earlier ones
   * were queued), or be cut in two by a cycle across a boundary.
   *
   * @throws IllegalArgumentException naming the cycle or the atom
   */
  static List<Item> dependenciesFirst(List<Item> items) {
    List<QueuedAtom> request = new ArrayList<>(items.size());
    for (Item item : items) {
      request.add(new QueuedAtom(Atom.parse(item.atom()), item.after().stream().map(Atom::parse).toList(), item.priority()));
    }
    List<Item> ordered = new ArrayList<>(items.size());
    for (QueuedAtom queued : DependencyOrder.order(request)) {
      ordered.add(new Item(queued.atom().toString(), queued.after().stream().map(Atom::toString).toList(), queued.priority()));
    }
    return ordered;
  }

  /**
   * Reads a file's text: pure, so it can be tested on any input.
   *
   * @param format list, emerge or json; null to detect it
   * @param ordered each package waits for the one before it
   * @throws IllegalArgumentException for an unknown format, and only for that
   */
  static Parsed parse(String text, String format, boolean ordered) {
    List<Item> items = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    String kind = format == null ? detect(text) : format.toLowerCase(Locale.ROOT);
    if (kind.equals("json")) {
      readJson(text, ordered, items, bad);
    } else {
      PackageList.Reading reading = PackageList.read(text, PackageList.Format.named(kind));
      String previous = null;
      for (PackageList.Entry entry : reading.entries()) {
        items.add(new Item(entry.atom(), ordered && previous != null ? List.of(previous) : List.of(), null));
        previous = entry.atom();
      }
      reading.invalid().forEach(n -> bad.add("line " + n.line() + ": " + n.why() + ": " + n.text()));
      reading.skipped().forEach(n -> skipped.add("skipped line " + n.line() + " (" + n.why() + "): " + n.text()));
    }
    return new Parsed(items, bad, skipped);
  }

  /** Standard input, or null when it holds more than the import limit. */
  private static String read(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes((int) MAX_IMPORT_BYTES + 1);
    return bytes.length > MAX_IMPORT_BYTES ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  private static String detect(String text) {
    String start = text.stripLeading();
    if (start.startsWith("[\"") || start.startsWith("[{") || start.startsWith("{") || start.equals("[]")) {
      return "json";
    }
    return PackageList.detect(text) == PackageList.Format.EMERGE ? "emerge" : "list";
  }

  private static void readJson(String text, boolean ordered, List<Item> items, List<String> bad) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      bad.add("not valid JSON: " + e.getOriginalMessage());
      return;
    }
    JsonNode packages = root.isObject() ? root.get("packages") : root;
    if (packages == null || !packages.isArray()) {
      bad.add("expected an array of packages, or {\"packages\": [...]}");
      return;
    }
    String previous = null;
    for (int i = 0; i < packages.size(); i++) {
      JsonNode p = packages.get(i);
      String where = "entry " + (i + 1);
      String atom = p.isTextual() ? p.asText() : p.path("atom").asText(null);
      if (atom == null || atom.isBlank()) {
        bad.add(where + ": no atom");
        continue;
      }
      try {
        atom = dev.buildswarm.atom.Atom.parse(atom).toString();
      } catch (IllegalArgumentException e) {
        bad.add(where + ": " + e.getMessage());
        continue;
      }
      List<String> after = new ArrayList<>();
      String badAfter = after(p.path("after"), after);
      if (badAfter != null) {
        bad.add(where + ": " + badAfter);
        continue;
      }
      if (ordered && previous != null) {
        after.add(previous);
      }
      Integer own = p.has("priority") ? p.get("priority").asInt() : null;
      if (p.has("priority") && !(p.get("priority").isIntegralNumber() && p.get("priority").canConvertToInt())) {
        bad.add(where + ": priority must be a whole number");
        continue;
      }
      if (own != null && Math.abs((long) own) > SwarmService.MAX_PRIORITY) {
        // Checked here too: an import sent in several requests must not stop half-way.
        bad.add(where + ": priority " + own + " is out of range -" + SwarmService.MAX_PRIORITY + " to " + SwarmService.MAX_PRIORITY);
        continue;
      }
      items.add(new Item(atom, after, own));
      previous = atom;
    }
  }

  /**
   * Reads an entry's dependencies into {@code into}, each as a canonical atom, so no request is
   * sent with one the coordinator would refuse. A single string or an object would otherwise be
   * read as no dependencies at all.
   *
   * @return what is wrong, or null
   */
  private static String after(JsonNode node, List<String> into) {
    if (node.isMissingNode()) {
      return null;
    }
    if (!node.isArray()) {
      return "after must be an array of atoms";
    }
    for (JsonNode dep : node) {
      if (!dep.isTextual()) {
        return "after must be an array of atoms, not " + dep;
      }
      try {
        into.add(dev.buildswarm.atom.Atom.parse(dep.asText()).toString());
      } catch (IllegalArgumentException e) {
        return "after: " + e.getMessage();
      }
    }
    return null;
  }

  /**
   * Sends the packages in requests of at most {@link SwarmService#MAX_ATOMS_PER_ENQUEUE}, in
   * order, so a package waiting for one in an earlier request finds it queued. Each request is all
   * or nothing; the atoms were all checked before the first was sent.
   */
  private int send(List<Item> items, PrintWriter out, PrintWriter err) {
    boolean terminal = System.console() != null && items.size() > SwarmService.MAX_ATOMS_PER_ENQUEUE;
    int queued = 0;
    int existing = 0;
    ManagedChannel channel = SwarmCli.channel(spec);
    try {
      for (int from = 0; from < items.size(); from += SwarmService.MAX_ATOMS_PER_ENQUEUE) {
        List<Item> batch = items.subList(from, Math.min(items.size(), from + SwarmService.MAX_ATOMS_PER_ENQUEUE));
        EnqueueRequest.Builder request = EnqueueRequest.newBuilder().setPriority(priority);
        for (Item item : batch) {
          QueueItem.Builder q = QueueItem.newBuilder().setAtom(item.atom()).addAllAfter(item.after());
          if (item.priority() != null) {
            q.setPriority(item.priority());
          }
          request.addItems(q);
        }
        EnqueueReply reply = SwarmCli.admin(channel).enqueue(request.build());
        for (EnqueueResult result : reply.getResultsList()) {
          if (result.getQueued()) {
            queued++;
          } else {
            existing++;
          }
        }
        if (terminal) {
          err.printf("\rimporting: %d of %d", from + batch.size(), items.size());
          err.flush();
        }
      }
    } finally {
      SwarmCli.close(channel);
    }
    if (terminal) {
      err.println();
    }
    if (SwarmCli.json(spec)) {
      out.printf("{\"queued\":%d,\"already_in_swarm\":%d}%n", queued, existing);
    } else {
      out.printf("%d queued, %d already in the swarm%n", queued, existing);
    }
    return 0;
  }
}

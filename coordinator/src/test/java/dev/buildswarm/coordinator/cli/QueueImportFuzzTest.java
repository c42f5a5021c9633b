package dev.buildswarm.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.domain.Fuzz;
import dev.buildswarm.coordinator.domain.SharedData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What {@code swarm queue import} reads from a file, before anything is sent: on mutated real
 * files, mutated JSON and garbage, in every format, it never throws (except to name an unknown
 * format) and every package and dependency it would send is a plain canonical atom.
 */
class QueueImportFuzzTest {

  private static final String[] FORMATS = {null, "list", "emerge", "json", "JSON", "Emerge"};

  @Test
  void mutatedRealEmergeOutputParsesToPlainAtomsOnly() throws IOException {
    List<String> real = SharedData.read("emerge_pv_thodg_ddm.txt").lines().toList();
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(300);
    for (int i = 0; i < iterations; i++) {
      String text = Fuzz.mutated(random, Fuzz.window(random, real, 40));
      check(text, FORMATS[random.nextInt(FORMATS.length)], random.nextBoolean(), i);
    }
  }

  @Test
  void mutatedJsonParsesToPlainAtomsOnly() throws IOException {
    List<String> atoms = new ArrayList<>();
    for (String line : SharedData.read("emerge_pv_thodg_ddm.txt").lines().toList()) {
      if (line.startsWith("[ebuild")) {
        atoms.add("=" + line.substring(line.indexOf(']') + 2).split(" ")[0]);
      }
    }
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(1_000);
    for (int i = 0; i < iterations; i++) {
      List<String> lines = new ArrayList<>();
      lines.add(random.nextBoolean() ? "[" : "{\"packages\": [");
      int count = random.nextInt(6);
      for (int n = 0; n < count; n++) {
        String atom = atoms.get(random.nextInt(atoms.size()));
        String dep = atoms.get(random.nextInt(atoms.size()));
        String entry =
            switch (random.nextInt(6)) {
              case 0 -> "\"" + atom + "\"";
              case 1 -> "{\"atom\": \"" + atom + "\", \"priority\": " + List.of("5", "-1", "1.5", "99999999999999999999", "\"7\"", "null", "1e400").get(random.nextInt(7)) + "}";
              case 2 -> "{\"atom\": \"" + atom + "\", \"after\": [\"" + dep + "\"]}";
              case 3 -> "{\"atom\": \"" + atom + "\", \"after\": " + List.of("\"" + dep + "\"", "{\"a\": \"" + dep + "\"}", "[1]", "[null]", "[[\"" + dep + "\"]]", "[\"$(id)\"]").get(random.nextInt(6)) + "}";
              case 4 -> "{\"atom\": " + List.of("5", "null", "[]", "{}", "\"\"", "\" \"", "true").get(random.nextInt(7)) + "}";
              default -> "[\"" + atom + "\"]";
            };
        lines.add(entry + (n + 1 < count ? "," : ""));
      }
      lines.add(lines.get(0).equals("[") ? "]" : "]}");
      String text = random.nextInt(4) == 0 ? String.join("\n", lines) : Fuzz.mutated(random, lines);
      check(text, random.nextBoolean() ? null : "json", random.nextBoolean(), i);
    }
  }

  @Test
  void garbageAndDeepNestingParseWithoutCrashing() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(2_000);
    for (int i = 0; i < iterations; i++) {
      String text = Fuzz.garbage(random, 200);
      if (random.nextInt(20) == 0) {
        int depth = random.nextInt(100_000);
        text = "[".repeat(depth) + text + "]".repeat(random.nextInt(depth + 1));
      } else if (random.nextInt(3) == 0) {
        text = "[{" + text;
      }
      check(text, FORMATS[random.nextInt(FORMATS.length)], random.nextBoolean(), i);
    }
  }

  @Test
  void anUnknownFormatIsTheOnlyRefusal() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> QueueImport.parse("sys-libs/glibc", "yaml", false));
    assertTrue(e.getMessage().contains("'yaml'"), e.getMessage());
  }

  private static void check(String text, String format, boolean ordered, int iteration) {
    String context = Fuzz.replay(iteration, text) + " as " + format + (ordered ? " --ordered" : "");
    QueueImport.Parsed parsed;
    try {
      parsed = QueueImport.parse(text, format, ordered);
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("reading the file crashed" + context, crash);
    }
    for (QueueImport.Item item : parsed.items()) {
      Fuzz.assertSafeAtom(item.atom(), context);
      item.after().forEach(dep -> Fuzz.assertSafeAtom(dep, context));
    }
    for (String bad : parsed.bad()) {
      assertFalse(bad.isBlank(), "a bad entry is named" + context);
    }
  }
}

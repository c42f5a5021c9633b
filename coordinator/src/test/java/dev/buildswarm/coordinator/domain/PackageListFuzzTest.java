package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PackageList} on mutated real {@code emerge -pv} output and on garbage: it never throws,
 * every entry is a plain canonical atom, and every line that should be a package is accounted for.
 */
class PackageListFuzzTest {

  @Test
  void mutatedEmergeOutputIsReadWithoutCrashingAndYieldsOnlyPlainAtoms() throws IOException {
    List<String> real = SharedData.read("emerge_pv_thodg_ddm.txt").lines().toList();
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(300);
    for (int i = 0; i < iterations; i++) {
      String text = Fuzz.mutated(random, Fuzz.window(random, real, 40));
      for (PackageList.Format format : PackageList.Format.values()) {
        check(text, format, i);
      }
      check(text, PackageList.detect(text), i);
    }
  }

  @Test
  void garbageIsReadWithoutCrashingAndYieldsOnlyPlainAtoms() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(2_000);
    for (int i = 0; i < iterations; i++) {
      String text = Fuzz.garbage(random, 200);
      if (random.nextBoolean()) {
        text = "[" + List.of("ebuild", "blocks", "binary", "nomerge", "uninstall", "", " ").get(random.nextInt(7)) + text;
      }
      check(text, PackageList.Format.LIST, i);
      check(text, PackageList.Format.EMERGE, i);
    }
  }

  private static void check(String text, PackageList.Format format, int iteration) {
    String context = Fuzz.replay(iteration, text) + " as " + format;
    PackageList.Reading reading;
    try {
      reading = PackageList.read(text, format);
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("PackageList.read crashed" + context, crash);
    }
    int lines = text.split("\r?\n", -1).length;
    for (PackageList.Entry entry : reading.entries()) {
      Fuzz.assertSafeAtom(entry.atom(), context);
      assertTrue(entry.line() >= 1 && entry.line() <= lines, "line " + entry.line() + context);
    }
    for (List<PackageList.Note> notes : List.of(reading.invalid(), reading.skipped())) {
      for (PackageList.Note note : notes) {
        assertTrue(note.line() >= 1 && note.line() <= lines, "line " + note.line() + context);
        assertFalse(note.why().isBlank(), "a note says why" + context);
      }
    }
    if (format == PackageList.Format.LIST) {
      long packageLines =
          java.util.Arrays.stream(text.split("\r?\n", -1)).map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
      assertEquals(
          packageLines, reading.entries().size() + reading.invalid().size(), "every line is an atom or named" + context);
    }
  }
}

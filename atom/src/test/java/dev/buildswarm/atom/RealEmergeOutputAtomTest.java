package dev.buildswarm.atom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Atoms as real Portage wrote them, read from {@code ../shared/data} beside the checkout. Those files
 * may not be redistributed, so they are not in the repository; on CI they must be present.
 */
class RealEmergeOutputAtomTest {

  private static final Pattern EBUILD_LINE = Pattern.compile("^\\[ebuild[^\\]]*\\] (\\S+)");
  private static final Pattern BLOCKS_LINE = Pattern.compile("^\\[blocks [^\\]]*\\] (\\S+)");
  private static final Pattern MERGE_START =
      Pattern.compile("^\\d+:  >>> emerge \\(\\d+ of \\d+\\) (\\S+) to ");

  static Path sharedData() {
    Path root = Path.of(System.getProperty("buildswarm.root", "..")).toAbsolutePath();
    Path data = root.resolve("../shared/data").normalize();
    boolean present = Files.isDirectory(data);
    if (System.getenv("CI") != null) {
      assertTrue(present, "CI runs with ../shared/data beside the checkout, but " + data + " is missing");
    }
    assumeTrue(present, "no ../shared/data beside the checkout: skipped");
    return data;
  }

  private static List<String> matches(Path file, Pattern pattern) throws IOException {
    List<String> found = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        found.add(m.group(1));
      }
    }
    return found;
  }

  @Test
  void everyPackageInRealEmergePretendOutputIsAValidAtom() throws IOException {
    List<String> packages = matches(sharedData().resolve("emerge_pv_thodg_ddm.txt"), EBUILD_LINE);
    assertEquals(171, packages.size(), "the file's Total line says 171 packages");
    for (String cpvSlotRepo : packages) {
      Atom atom = Atom.parse("=" + cpvSlotRepo);
      assertEquals("=" + cpvSlotRepo, atom.toString());
      assertTrue(atom.repository().isPresent(), cpvSlotRepo);
    }
    Atom perl = Atom.parse("=dev-lang/perl-5.24.1-r2:0/5.24::gentoo");
    assertTrue(packages.contains("dev-lang/perl-5.24.1-r2:0/5.24::gentoo"));
    assertEquals("0", perl.slot().orElseThrow());
  }

  @Test
  void blockersInRealEmergeOutputAreRefusedForQueueing() throws IOException {
    List<String> blocked = matches(sharedData().resolve("emerge_pv_thodg_ddm.txt"), BLOCKS_LINE);
    assertEquals(7, blocked.size());
    for (String atom : blocked) {
      // The blocked atom itself is a valid dependency atom; written as a blocker it is refused.
      Atom.parse(atom);
      InvalidAtomException e = assertThrows(InvalidAtomException.class, () -> Atom.parse("!" + atom));
      assertTrue(e.getMessage().contains("blocker"), e.getMessage());
    }
  }

  @Test
  void everyMergeInRealEmergeLogsNamesAValidAtom() throws IOException {
    int total = 0;
    for (String log : List.of("emerge_log_ClusterHQ_gentoo.log", "emerge_log_hoeding_gentoo_apu.log")) {
      List<String> cpvs = matches(sharedData().resolve(log), MERGE_START);
      assertTrue(cpvs.size() > 100, log + " has merges");
      for (String cpv : cpvs) {
        Atom atom = Atom.parse("=" + cpv);
        assertEquals(cpv, atom.cpv());
      }
      total += cpvs.size();
    }
    assertEquals(837 + 191, total, "merges started, as counted in shared/data/README.md");
  }
}

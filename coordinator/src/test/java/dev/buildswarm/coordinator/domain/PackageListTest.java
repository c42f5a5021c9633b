package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PackageListTest {

  @Test
  void realEmergePvOutputGivesEveryEbuildInMergeOrderAndSkipsTheBlockers() throws Exception {
    String text = SharedData.read("emerge_pv_thodg_ddm.txt");
    assertEquals(PackageList.Format.EMERGE, PackageList.detect(text));
    PackageList.Reading reading = PackageList.read(text, PackageList.Format.EMERGE);
    assertEquals(171, reading.entries().size(), "shared/data/README.md: 171 packages (its Total: line)");
    assertEquals(List.of(), reading.invalid());
    assertEquals(7, reading.skipped().size(), "seven [blocks] lines");
    assertTrue(reading.skipped().stream().allMatch(n -> n.why().equals("blocker")));
    assertEquals("=sys-libs/glibc-2.23-r4:2.2::gentoo", reading.entries().get(0).atom(), "slot and repository kept");
    assertEquals(5, reading.entries().get(0).line());
    assertEquals("=app-arch/bzip2-1.0.6-r8::gentoo", reading.entries().get(1).atom());
    assertTrue(reading.entries().stream().anyMatch(e -> e.atom().equals("=dev-lang/perl-5.24.1-r2:0/5.24::gentoo")), "sub-slot kept");
  }

  @Test
  void treeOutputIsIndentedAndBinariesAndUninstallsAreSkipped() {
    String text =
        """
        These are the packages that would be merged, in reverse order:

        [ebuild  N     ] app-misc/top-1.0::gentoo  USE="-doc" 10 KiB
        [ebuild  N     ]  dev-libs/mid-2.1-r1  5 KiB
        [binary   R    ]   dev-libs/leaf-0.3
        [uninstall     ] app-misc/old-0.9
        [nomerge       ] sys-apps/portage-3.0.63
        """;
    PackageList.Reading reading = PackageList.read(text, PackageList.detect(text));
    assertEquals(List.of(new PackageList.Entry(3, "=app-misc/top-1.0::gentoo"), new PackageList.Entry(4, "=dev-libs/mid-2.1-r1")), reading.entries());
    assertEquals(List.of(5, 6, 7), reading.skipped().stream().map(PackageList.Note::line).toList());
  }

  @Test
  void aPlainListNamesEachBadLineByNumber() {
    String text = "# my set\n=sys-libs/zlib-1.3\n\ndev-lang/python[sqlite\n>=dev-util/cmake-3.28\nnot an atom\n";
    assertEquals(PackageList.Format.LIST, PackageList.detect(text));
    PackageList.Reading reading = PackageList.read(text, PackageList.Format.LIST);
    assertEquals(List.of("=sys-libs/zlib-1.3", ">=dev-util/cmake-3.28"), reading.entries().stream().map(PackageList.Entry::atom).toList());
    assertEquals(List.of(4, 6), reading.invalid().stream().map(PackageList.Note::line).toList());
    assertTrue(reading.invalid().get(0).why().contains("python[sqlite"), reading.invalid().get(0).why());
  }
}

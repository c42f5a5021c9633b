package dev.buildswarm.drone.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildTemplateTest {

  @Test
  void theDefaultTemplateBuildsTheAtomWithEmerge() {
    BuildTemplate emerge = BuildTemplate.of(BuildTemplate.EMERGE);
    assertEquals(
        List.of("emerge", "--oneshot", "--buildpkg", "--usepkg=n", "=sys-libs/glibc-2.38-r10"),
        emerge.argvFor(Atom.parse("=sys-libs/glibc-2.38-r10")));
  }

  @Test
  void everyAttemptGetsTheSameArgvFromTheSameBaseAtom() {
    // Lesson 1: attempt N's argv is built from the queued atom, never from attempt N-1's argv.
    BuildTemplate template =
        BuildTemplate.of(List.of("emerge", "--oneshot", "--buildpkg", "--usepkg=n", "={cpv}"));
    Atom atom = Atom.parse("=dev-lang/perl-5.24.1-r2:0/5.24::gentoo");
    List<List<String>> attempts = new ArrayList<>();
    for (int attempt = 1; attempt <= 5; attempt++) {
      attempts.add(template.argvFor(atom));
    }
    assertEquals(
        List.of("emerge", "--oneshot", "--buildpkg", "--usepkg=n", "=dev-lang/perl-5.24.1-r2"),
        attempts.get(0));
    assertEquals(attempts.get(0), attempts.get(4));
    assertTrue(attempts.stream().allMatch(attempts.get(0)::equals));
  }

  @Test
  void everyPlaceholderExpandsToItsPart() {
    BuildTemplate template =
        BuildTemplate.of(
            List.of("builder", "{atom}", "{cpv}", "{category}", "{package}", "{version}", "{slot}", "{repo}", "x-{package}-y"));
    assertEquals(
        List.of(
            "builder",
            "=sys-devel/gcc-11.2.1_p20220115:11::gentoo",
            "sys-devel/gcc-11.2.1_p20220115",
            "sys-devel",
            "gcc",
            "11.2.1_p20220115",
            "11",
            "gentoo",
            "x-gcc-y"),
        template.argvFor(Atom.parse("=sys-devel/gcc-11.2.1_p20220115:11::gentoo")));
  }

  @Test
  void anAtomStaysOneArgumentWhateverTheTemplate() {
    BuildTemplate template = BuildTemplate.of(List.of("sh", "-c", "echo {package}"));
    // The parser already refuses shell syntax; the template never splits or joins arguments.
    List<String> argv = template.argvFor(Atom.parse("=app-misc/foo-1.0"));
    assertEquals(3, argv.size());
    assertEquals("echo foo", argv.get(2));
  }

  @Test
  void mistakesInTheTemplateAreRefusedWhenTheDroneStarts() {
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> BuildTemplate.of(List.of("emerge", "{pkg}")));
    assertTrue(unknown.getMessage().contains("unknown placeholder {pkg}"), unknown.getMessage());
    IllegalArgumentException doubled =
        assertThrows(IllegalArgumentException.class, () -> BuildTemplate.of(List.of("emerge", "={atom}")));
    assertTrue(doubled.getMessage().contains("={cpv}"), doubled.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BuildTemplate.of(List.of()));
    assertThrows(IllegalArgumentException.class, () -> BuildTemplate.of(List.of("{atom}")));
  }

  @Test
  void aTemplateNeedingAVersionRefusesAnUnversionedAtom() {
    BuildTemplate template = BuildTemplate.of(List.of("emerge", "={cpv}", "{version}"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> template.argvFor(Atom.parse("dev-util/cmake")));
    assertTrue(e.getMessage().contains("{version}"), e.getMessage());
  }
}

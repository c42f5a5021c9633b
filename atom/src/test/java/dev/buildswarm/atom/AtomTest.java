package dev.buildswarm.atom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AtomTest {

  @Test
  void anExactVersionWithRevisionSplitsIntoItsParts() {
    Atom atom = Atom.parse("=sys-libs/glibc-2.38-r10");
    assertEquals(Operator.EQUAL, atom.operator());
    assertEquals("sys-libs", atom.category());
    assertEquals("glibc", atom.packageName());
    assertEquals(Optional.of("2.38-r10"), atom.version());
    assertEquals("sys-libs/glibc", atom.key());
    assertEquals("sys-libs/glibc-2.38-r10", atom.cpv());
  }

  @Test
  void slotSubSlotAndRepositoryAreKept() {
    Atom atom = Atom.parse(">=dev-lang/perl-5.24.1-r2:0/5.24::gentoo");
    assertEquals(Operator.GREATER_OR_EQUAL, atom.operator());
    assertEquals(Optional.of("5.24.1-r2"), atom.version());
    assertEquals(Optional.of("0"), atom.slot());
    assertEquals(Optional.of("5.24"), atom.subSlot());
    assertEquals(Optional.of("gentoo"), atom.repository());
  }

  @Test
  void packageNamesWithHyphensAndDigitsSplitAtTheVersion() {
    Atom atom = Atom.parse("=virtual/perl-ExtUtils-MakeMaker-7.100.200_rc");
    assertEquals("perl-ExtUtils-MakeMaker", atom.packageName());
    assertEquals(Optional.of("7.100.200_rc"), atom.version());
    assertEquals("gtk+", Atom.parse("=x11-libs/gtk+-3.24.41").packageName());
    assertEquals("font-misc-misc", Atom.parse("=media-fonts/font-misc-misc-1.1.3").packageName());
  }

  @Test
  void versionGlobNeedsTheEqualsOperator() {
    Atom atom = Atom.parse("=dev-lang/python-3.12*");
    assertTrue(atom.versionGlob());
    assertEquals("=dev-lang/python-3.12*", atom.toString());
    InvalidAtomException e =
        assertThrows(InvalidAtomException.class, () -> Atom.parse(">=dev-lang/python-3.12*"));
    assertTrue(e.getMessage().contains("needs the = operator"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sys-libs/glibc",
        "=sys-libs/glibc-2.38-r10",
        "<dev-db/postgresql-9.5.6-r1:9.5",
        "<=app-misc/foo-1.0",
        ">app-misc/foo-1.0_alpha1_beta2_pre3_rc4_p5-r6",
        "~dev-libs/openssl-3.0.13",
        "~dev-libs/openssl-3.0.13-r0",
        "~dev-libs/openssl-3.0.13-r000",
        "=app-misc/foo-99999999999999999999.1-r99999999999999999999",
        "=dev-lang/python-3.12*",
        "dev-lang/python:3.12",
        "dev-util/cmake::gentoo",
        "=sys-devel/gcc-11.2.1_p20220115:11/11.2.1::gentoo",
        "=app-shells/bash-4.2_p45-r1",
        "=app-admin/python-updater-0.10-r02.1",
        "=app-arch/lz4-0_p120",
        "=app-misc/tmux-1.9a",
      })
  void validAtomsRoundTripToTheSameText(String text) {
    assertEquals(text, Atom.parse(text).toString());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "!sys-libs/glibc | it is a blocker",
        "!!<dev-texlive/texlive-basic-2016 | it is a blocker",
        "dev-lang/python[sqlite] | USE dependencies",
        "=dev-lang/python-3.12[-ssl] | USE dependencies",
        "sys-libs/glibc-2.38 | names a version without an operator",
        "=sys-libs/glibc | valid version",
        ">=sys-libs/glibc | valid version",
        "glibc | category/package",
        "a/b/c | category/package",
        "-sys/glibc | not a valid category name",
        "sys-libs/-glibc | not a valid package name",
        "=sys-libs/glibc-2.38-r1-r2 | valid version",
        "~dev-libs/openssl-3.0.13-r1 | without a revision",
        // Found by AtomFuzzTest: a revision past Integer.MAX_VALUE crashed the ~ check.
        "~dev-libs/openssl-3.0.13-r99999999999 | without a revision",
        "dev-lang/python:= | slot operators",
        "dev-lang/python:* | slot operators",
        "dev-lang/python:3.12= | slot operators",
        "dev-lang/python:/1 | not a valid slot name",
        "dev-lang/python:3/ | not a valid sub-slot name",
        "dev-lang/python:: | not a valid repository name",
        "=sys-libs/glibc-2.38; rm -rf / | space, control or non-ASCII",
        "sys-libs/glibc$(id) | not a valid package name",
        "sys-libs/glibc&& | not a valid package name",
        "=sys-libs/glibc-2.38`id` | valid version",
      })
  void invalidAtomsAreRefusedWithAReasonNamingTheInput(String text, String reason) {
    InvalidAtomException e = assertThrows(InvalidAtomException.class, () -> Atom.parse(text));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().startsWith("invalid atom '"), e.getMessage());
    assertEquals(text, e.input());
  }

  @Test
  void emptyAndOverlongAtomsAreRefused() {
    assertThrows(InvalidAtomException.class, () -> Atom.parse(""));
    assertThrows(InvalidAtomException.class, () -> Atom.parse(null));
    String longName = "=app-misc/" + "a".repeat(Atom.MAX_LENGTH) + "-1.0";
    InvalidAtomException e = assertThrows(InvalidAtomException.class, () -> Atom.parse(longName));
    assertTrue(e.getMessage().contains("the limit is " + Atom.MAX_LENGTH), e.getMessage());
  }

  @Test
  void controlCharactersAreEscapedInTheMessage() {
    InvalidAtomException e =
        assertThrows(InvalidAtomException.class, () -> Atom.parse("sys-libs/glibc\n\u001b[2J"));
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(e.getMessage().contains("\\x0a"), e.getMessage());
  }

  @Test
  void versionsFollowPms() {
    assertTrue(Atom.isVersion("1.0"));
    assertTrue(Atom.isVersion("2.38-r10"));
    assertTrue(Atom.isVersion("1.2.3b_rc1_p2-r3"));
    assertFalse(Atom.isVersion("1.0-beta"));
    assertFalse(Atom.isVersion("v1.0"));
    assertFalse(Atom.isVersion("1..0"));
  }
}

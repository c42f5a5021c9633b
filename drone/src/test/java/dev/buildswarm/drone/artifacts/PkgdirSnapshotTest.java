package dev.buildswarm.drone.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkgdirSnapshotTest {
  @TempDir Path pkgdir;

  private static final Atom FOO = Atom.parse("=app-misc/foo-1.0");

  private Path write(String name, String text) throws IOException {
    Path file = pkgdir.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  private static List<String> names(List<PkgdirSnapshot.Found> found) {
    return found.stream().map(PkgdirSnapshot.Found::name).sorted().toList();
  }

  @Test
  void aBuildIsCreditedWithItsOwnNewAndChangedPackagesOnly() throws IOException {
    write("app-misc/foo-1.0.gpkg.tar", "kept from before");
    write("app-misc/foo-1.0-1.gpkg.tar", "old");
    write("app-misc/other-2.0.gpkg.tar", "another package, kept");
    PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir, FOO);

    write("app-misc/foo-1.0-1.gpkg.tar", "rebuilt, longer"); // changed
    Path made = write("app-misc/foo-1.0.tbz2", "new");
    write("app-misc/bar-1.0.gpkg.tar", "another build's, at the same time");
    write("dev-libs/foo-1.0.gpkg.tar", "same name, another category");
    write("app-misc/foo-1.0.gpkg.tar.partial", "not a binary package");
    write("app-misc/.foo-1.0.gpkg.tar", "hidden, being written");

    List<PkgdirSnapshot.Found> found = PkgdirSnapshot.of(pkgdir, FOO).addedSince(before);
    assertEquals(List.of("app-misc/foo-1.0-1.gpkg.tar", "app-misc/foo-1.0.tbz2"), names(found));
    PkgdirSnapshot.Found tbz2 = found.stream().filter(f -> f.name().endsWith(".tbz2")).findFirst().orElseThrow();
    assertEquals(made, tbz2.path());
    assertEquals(3, tbz2.size());
    // sha256 of "new"
    assertEquals("11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437", tbz2.sha256());
  }

  @Test
  void anotherVersionWhoseNameStartsWithThisOneIsNotCredited() throws IOException {
    PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir, FOO);
    write("app-misc/foo-1.0-r1.gpkg.tar", "a revision, built in another slot");
    write("app-misc/foo-1.0.1.tbz2", "a later version");
    write("app-misc/foo-1.0_p2.xpak", "a patch release");
    write("app-misc/foo-1.0-.gpkg.tar", "no build id after the dash");
    write("app-misc/foo-1.0-12.gpkg.tar", "this package, build id 12");
    write("app-misc/foo-1.0.xpak", "this package");
    assertEquals(
        List.of("app-misc/foo-1.0-12.gpkg.tar", "app-misc/foo-1.0.xpak"),
        names(PkgdirSnapshot.of(pkgdir, FOO).addedSince(before)));
  }

  @Test
  void aPackageReplacedBySameSizedFileWithTheSameTimeIsStillFound() throws IOException {
    // Portage writes a binary package under a temporary name and renames it into place.
    Path file = write("app-misc/foo-1.0.gpkg.tar", "aaaa");
    FileTime time = Files.getLastModifiedTime(file);
    PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir, FOO);

    Path fresh = write("app-misc/foo-1.0.gpkg.tar.tmp", "bbbb");
    Files.setLastModifiedTime(fresh, time);
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    assertEquals(List.of("app-misc/foo-1.0.gpkg.tar"), names(PkgdirSnapshot.of(pkgdir, FOO).addedSince(before)));
  }

  @Test
  void theFirstPackageOfACategoryNotYetInPkgdirIsFound() throws IOException {
    PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir.resolve("not-yet-made"), FOO);
    Path later = pkgdir.resolve("not-yet-made");
    Files.createDirectories(later.resolve("app-misc"));
    Files.writeString(later.resolve("app-misc/foo-1.0.gpkg.tar"), "x");
    assertEquals(List.of("app-misc/foo-1.0.gpkg.tar"), names(PkgdirSnapshot.of(later, FOO).addedSince(before)));
  }

  @Test
  void nothingIsFoundWhenTheBuildMadeNothing() throws IOException {
    for (int i = 0; i < 50; i++) {
      write("cat-" + (i % 5) + "/kept" + i + "-1.0.gpkg.tar", "kept");
    }
    write("app-misc/foo-1.0.gpkg.tar", "kept");
    PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir, FOO);
    write("cat-1/new-1.0.gpkg.tar", "another category's");
    assertTrue(PkgdirSnapshot.of(pkgdir, FOO).addedSince(before).isEmpty());
  }

  @Test
  void aCategoryThatIsALinkIsNotFollowed() throws IOException {
    Path elsewhere = Files.createDirectories(pkgdir.resolve("../elsewhere-" + System.nanoTime()).normalize());
    try {
      Files.createSymbolicLink(pkgdir.resolve("app-misc"), elsewhere);
      PkgdirSnapshot before = PkgdirSnapshot.of(pkgdir, FOO);
      Files.writeString(elsewhere.resolve("foo-1.0.gpkg.tar"), "outside PKGDIR");
      assertTrue(PkgdirSnapshot.of(pkgdir, FOO).addedSince(before).isEmpty());
    } finally {
      Files.deleteIfExists(elsewhere.resolve("foo-1.0.gpkg.tar"));
      Files.deleteIfExists(elsewhere);
    }
  }

  @Test
  void snapshotsOfDifferentPackagesAreNotCompared() {
    PkgdirSnapshot foo = PkgdirSnapshot.of(pkgdir, FOO);
    PkgdirSnapshot bar = PkgdirSnapshot.of(pkgdir, Atom.parse("=app-misc/bar-1.0"));
    assertThrows(IllegalArgumentException.class, () -> foo.addedSince(bar));
  }
}

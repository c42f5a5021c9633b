package dev.buildswarm.drone.artifacts;

import dev.buildswarm.atom.Atom;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The binary packages one package's build may make under a PKGDIR, at one moment: the files {@code
 * <category>/<pf>.gpkg.tar} or {@code <category>/<pf>-<build id>.gpkg.tar} (or {@code .tbz2},
 * {@code .xpak}) of that package's category folder (see {@link #isPackageOf}),
 * with size, modification time and file identity, so that what the build added or changed can be
 * told afterwards. Immutable.
 *
 * <p>Only the package's own category folder is read, and only its own files are looked at: a
 * build is credited with nothing else anyway (another build running on this drone at the same time
 * writes other packages' files), and both snapshots sit on the path between a freed slot and the
 * next build's start, so their cost must not grow with the binary packages a drone keeps (walking a
 * PKGDIR of 2,000 packages took tens of milliseconds per snapshot, two per build; see
 * docs/benchmarks.md, "Dispatch latency").
 */
public final class PkgdirSnapshot {
  /** A file of a build: its name under PKGDIR, its path, size and sha256. */
  public record Found(String name, Path path, long size, String sha256) {}

  /** What tells two versions of a file apart: size, modification time (ns) and inode. */
  private record Seen(long size, long modifiedNanos, Object fileKey) {}

  private final Path pkgdir;
  private final String category;
  private final String packageAndVersion;
  private final Map<String, Seen> files; // file name in the category folder -> what it was

  private PkgdirSnapshot(Path pkgdir, String category, String packageAndVersion, Map<String, Seen> files) {
    this.pkgdir = pkgdir;
    this.category = category;
    this.packageAndVersion = packageAndVersion;
    this.files = files;
  }

  /** The files under {@code pkgdir} that a build of {@code atom} may make, as they are now. */
  public static PkgdirSnapshot of(Path pkgdir, Atom atom) {
    String pf = atom.packageName() + atom.version().map(v -> "-" + v).orElse("");
    return take(pkgdir, atom.category(), pf);
  }

  /**
   * The files {@code <category>/<packageAndVersion>*} (binary packages only) under {@code pkgdir} as
   * they are now. A category folder that does not exist (yet) or cannot be read holds nothing.
   */
  public static PkgdirSnapshot take(Path pkgdir, String category, String packageAndVersion) {
    Map<String, Seen> files = new TreeMap<>();
    Path folder = pkgdir.resolve(category);
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      // Not built into yet; a category that is a link is not followed out of PKGDIR.
      return new PkgdirSnapshot(pkgdir, category, packageAndVersion, files);
    }
    // Names are filtered before anything is asked of a file: one stat per file of this package
    // only, however many packages the folder holds.
    DirectoryStream.Filter<Path> ours =
        p -> {
          String name = p.getFileName().toString();
          return isPackageOf(name, packageAndVersion);
        };
    try (DirectoryStream<Path> inside = Files.newDirectoryStream(folder, ours)) {
      for (Path file : inside) {
        try {
          BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (a.isRegularFile()) {
            files.put(
                file.getFileName().toString(),
                new Seen(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey()));
          }
        } catch (NoSuchFileException gone) {
          // Removed between listing and looking: not there.
        }
      }
    } catch (IOException e) {
      // Unreadable: nothing to upload; a build that cannot write there says so in its own errors.
    }
    return new PkgdirSnapshot(pkgdir, category, packageAndVersion, files);
  }

  static boolean isPackage(String name) {
    return !name.startsWith(".") && (name.endsWith(".gpkg.tar") || name.endsWith(".tbz2") || name.endsWith(".xpak"));
  }

  /**
   * Whether {@code name} is a binary package of exactly {@code pf}: {@code <pf>.<ext>}, or {@code
   * <pf>-<build id>.<ext>} (a build id is digits; a version never ends in "-digits", a revision is
   * "-r1"). Not {@code foo-1.0-r1}, {@code foo-1.0.1} or {@code foo-1.0_p1} for {@code foo-1.0}:
   * those are other packages, which another slot of this drone may be building at the same time.
   */
  static boolean isPackageOf(String name, String pf) {
    if (!name.startsWith(pf) || !isPackage(name)) {
      return false;
    }
    String ext = name.endsWith(".gpkg.tar") ? ".gpkg.tar" : name.endsWith(".tbz2") ? ".tbz2" : ".xpak";
    String between = name.substring(pf.length(), name.length() - ext.length());
    return between.isEmpty()
        || (between.length() > 1 && between.charAt(0) == '-' && between.chars().skip(1).allMatch(c -> c >= '0' && c <= '9'));
  }

  /**
   * The files new or changed since {@code before} (a snapshot of the same package taken before the
   * build started), with their sha256.
   *
   * @throws IllegalArgumentException when {@code before} is of another PKGDIR or package
   */
  public List<Found> addedSince(PkgdirSnapshot before) throws IOException {
    if (!pkgdir.equals(before.pkgdir)
        || !category.equals(before.category)
        || !packageAndVersion.equals(before.packageAndVersion)) {
      throw new IllegalArgumentException(
          "snapshots of different packages: " + category + "/" + packageAndVersion + " and "
              + before.category + "/" + before.packageAndVersion);
    }
    List<Found> out = new ArrayList<>();
    for (Map.Entry<String, Seen> e : files.entrySet()) {
      if (Objects.equals(e.getValue(), before.files.get(e.getKey()))) {
        continue;
      }
      String name = category + "/" + e.getKey();
      Path path = pkgdir.resolve(name);
      out.add(new Found(name, path, Files.size(path), sha256(path)));
    }
    return out;
  }

  static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.buildswarm.drone.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The binary packages under a PKGDIR at one moment ({@code <category>/<file>.gpkg.tar}, {@code
 * .tbz2}, {@code .xpak}: size and modification time), so that what a build added or changed can be
 * told afterwards. Immutable.
 */
public final class PkgdirSnapshot {
  /** A file of a build: its name under PKGDIR, its path, size and sha256. */
  public record Found(String name, Path path, long size, String sha256) {}

  private final Path pkgdir;
  private final Map<String, String> files; // name -> size:mtime

  private PkgdirSnapshot(Path pkgdir, Map<String, String> files) {
    this.pkgdir = pkgdir;
    this.files = files;
  }

  public static PkgdirSnapshot take(Path pkgdir) {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(pkgdir)) {
      return new PkgdirSnapshot(pkgdir, files);
    }
    try (DirectoryStream<Path> categories = Files.newDirectoryStream(pkgdir)) {
      for (Path category : categories) {
        if (!Files.isDirectory(category, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> inside = Files.newDirectoryStream(category)) {
          for (Path file : inside) {
            String name = file.getFileName().toString();
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && isPackage(name)) {
              files.put(
                  category.getFileName() + "/" + name,
                  Files.size(file) + ":" + Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis());
            }
          }
        }
      }
    } catch (IOException e) {
      // A PKGDIR that cannot be read has nothing to upload; the build's own errors say why.
    }
    return new PkgdirSnapshot(pkgdir, files);
  }

  static boolean isPackage(String name) {
    return !name.startsWith(".") && (name.endsWith(".gpkg.tar") || name.endsWith(".tbz2") || name.endsWith(".xpak"));
  }

  /**
   * Files new or changed since {@code before}, of this package only ({@code <category>/<pf>...}:
   * another build running at the same time on this drone writes other packages' files), with
   * their sha256.
   */
  public List<Found> addedSince(PkgdirSnapshot before, String category, String packageAndVersion) throws IOException {
    List<Found> out = new ArrayList<>();
    for (Map.Entry<String, String> e : files.entrySet()) {
      String name = e.getKey();
      if (e.getValue().equals(before.files.get(name))) {
        continue;
      }
      String file = name.substring(name.indexOf('/') + 1);
      if (!name.startsWith(category + "/") || !file.startsWith(packageAndVersion)) {
        continue;
      }
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

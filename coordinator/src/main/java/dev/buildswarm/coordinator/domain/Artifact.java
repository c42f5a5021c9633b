package dev.buildswarm.coordinator.domain;

import java.util.regex.Pattern;

/**
 * One binary package file a build made, named as it lies under PKGDIR and under the binhost:
 * {@code <category>/<file>}. The name is checked here, so no entry point can store a file outside
 * the binhost: one directory level, a Gentoo category, a plain file name, no {@code ..}.
 *
 * @param name e.g. {@code sys-libs/glibc-2.38-r10-1.gpkg.tar}
 * @param size bytes
 * @param sha256 lower-case hex
 */
public record Artifact(String name, long size, String sha256) {
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*");
  private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*\\.(gpkg\\.tar|tbz2|xpak)");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  public static final long MAX_SIZE = 64L << 30;

  public Artifact {
    if (name == null || name.length() > 512) {
      throw new IllegalArgumentException("artifact name missing or longer than 512 characters");
    }
    String[] parts = name.split("/", -1);
    if (parts.length != 2
        || !CATEGORY.matcher(parts[0]).matches()
        || !FILE.matcher(parts[1]).matches()
        || parts[0].contains("..")
        || parts[1].contains("..")) {
      throw new IllegalArgumentException(
          "invalid artifact name '" + name + "': expected <category>/<file>.gpkg.tar (or .tbz2, .xpak),"
              + " with no '..', no absolute path and no other directories");
    }
    if (size < 0 || size > MAX_SIZE) {
      throw new IllegalArgumentException("artifact " + name + ": size " + size + " out of range");
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("artifact " + name + ": sha256 must be 64 lower-case hex digits");
    }
  }

  public String category() {
    return name.substring(0, name.indexOf('/'));
  }

  /** As the package's record keeps it: {@code name size sha256}. */
  public String recordLine() {
    return name + " " + size + " " + sha256;
  }

  public static Artifact fromRecordLine(String line) {
    String[] parts = line.strip().split(" ");
    return new Artifact(parts[0], Long.parseLong(parts[1]), parts[2]);
  }
}

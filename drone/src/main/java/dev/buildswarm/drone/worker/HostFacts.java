package dev.buildswarm.drone.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the drone's host is and how it is doing, for registration and heartbeats. Thread-safe. */
final class HostFacts {
  private static final Path MEMINFO = Path.of("/proc/meminfo");
  private static final Path MAKE_PROFILE = Path.of("/etc/portage/make.profile");

  private final List<Path> buildDirs;

  /** Free disk is read where builds write: the first of these that exists. */
  HostFacts(Path... buildDirs) {
    this.buildDirs = List.of(buildDirs);
  }

  /**
   * arch (Gentoo's name for the CPU family) and profile (the Portage profile, when this is a
   * Gentoo host), then the configured ones, which win.
   */
  Map<String, String> capabilities(Map<String, String> configured) {
    Map<String, String> out = new TreeMap<>();
    out.put("arch", gentooArch(System.getProperty("os.arch", "")));
    try {
      String target = Files.readSymbolicLink(MAKE_PROFILE).toString();
      int at = target.indexOf("profiles/");
      out.put("profile", at >= 0 ? target.substring(at + "profiles/".length()) : target);
    } catch (IOException | UnsupportedOperationException e) {
      // Not a Gentoo host (or no profile selected): nothing to report.
    }
    out.putAll(configured);
    return out;
  }

  static String gentooArch(String javaArch) {
    return switch (javaArch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "x86";
      case "ppc64le", "ppc64" -> "ppc64";
      case "riscv64" -> "riscv";
      default -> javaArch;
    };
  }

  long freeDiskBytes() {
    for (Path dir : buildDirs) {
      try {
        if (Files.exists(dir)) {
          return Files.getFileStore(dir).getUsableSpace();
        }
      } catch (IOException e) {
        // Try the next one.
      }
    }
    return 0;
  }

  /** MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read. */
  long memoryAvailableBytes() {
    try {
      for (String line : Files.readAllLines(MEMINFO)) {
        if (line.startsWith("MemAvailable:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or an unexpected format.
    }
    return 0;
  }
}

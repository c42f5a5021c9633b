package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.ShownInput;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A drone as it introduced itself. Validated here, so every entry point refuses the same things.
 *
 * @param name unique drone name
 * @param host its host name
 * @param cores cores it gives to builds
 * @param slots builds it runs at once
 * @param speedFactor relative speed, 1.0 = reference
 * @param version its software version
 * @param capabilities what its host is (arch, profile, ...): at most 32, keys of 1 to 32 of
 *     a-z 0-9 . _ -, values of at most 256 characters and no line breaks
 */
public record DroneRegistration(
    String name,
    String host,
    int cores,
    int slots,
    double speedFactor,
    String version,
    Map<String, String> capabilities) {

  private static final Pattern CAPABILITY = Pattern.compile("[a-z0-9._-]{1,32}");

  /** A drone that reports no capabilities. */
  public DroneRegistration(String name, String host, int cores, int slots, double speedFactor, String version) {
    this(name, host, cores, slots, speedFactor, version, Map.of());
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  public static final int MAX_SLOTS = 256;

  public DroneRegistration {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid drone name '" + ShownInput.of(name, 80) + "': use 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    if (cores < 1 || cores > 4096) {
      throw new IllegalArgumentException("drone " + name + ": cores must be 1 to 4096, got " + cores);
    }
    if (slots < 1 || slots > MAX_SLOTS) {
      throw new IllegalArgumentException(
          "drone " + name + ": slots must be 1 to " + MAX_SLOTS + ", got " + slots);
    }
    if (speedFactor == 0) {
      speedFactor = 1.0;
    }
    if (!(speedFactor > 0 && speedFactor < 1000)) {
      throw new IllegalArgumentException("drone " + name + ": speed factor must be above 0, got " + speedFactor);
    }
    host = host == null ? "" : host;
    version = version == null ? "" : version;
    capabilities = capabilities == null ? Map.of() : capabilities;
    if (capabilities.size() > 32) {
      throw new IllegalArgumentException("drone " + name + ": " + capabilities.size() + " capabilities; at most 32");
    }
    for (Map.Entry<String, String> c : capabilities.entrySet()) {
      if (!CAPABILITY.matcher(c.getKey()).matches()) {
        throw new IllegalArgumentException(
            "drone " + name + ": invalid capability name '" + ShownInput.of(c.getKey(), 80) + "': use 1 to 32 of a-z 0-9 . _ -");
      }
      if (c.getValue().length() > 256 || c.getValue().chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "drone " + name + ": capability " + c.getKey() + " must be one line of at most 256 characters");
      }
    }
    capabilities = Map.copyOf(new TreeMap<>(capabilities));
  }
}

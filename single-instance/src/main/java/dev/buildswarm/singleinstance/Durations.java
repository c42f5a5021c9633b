package dev.buildswarm.singleinstance;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Durations as every daemon's command line writes them ({@code --takeover-grace} among them, and
 * the drone's build limits): {@code 500ms}, {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d}, or a
 * whole number of seconds. One grammar for the coordinator, the drone and the dashboard: their
 * options name this class as their Picocli converter.
 */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
  /** For Picocli, which makes one per option. */
  public Durations() {}

  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /**
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    String v = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.replaceAll("[smhd]$", ""));
      return switch (v.charAt(v.length() - 1)) {
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> Duration.ofSeconds(n);
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException | ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 90s, 30m, 2h, 1d");
    }
  }
}

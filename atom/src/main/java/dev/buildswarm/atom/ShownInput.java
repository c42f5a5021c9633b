package dev.buildswarm.atom;

/**
 * Untrusted text as an error message shows it: control characters escaped ({@code \x1b}), at
 * most a given number of characters, then {@code ...}. Keeps terminals and log lines safe from
 * what a client sent.
 */
public final class ShownInput {
  private ShownInput() {}

  public static String of(String input, int limit) {
    if (input == null) {
      return "(none)";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < input.length() && i < limit; i++) {
      char c = input.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (input.length() > limit) {
      out.append("...");
    }
    return out.toString();
  }
}

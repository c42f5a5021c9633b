package dev.buildswarm.atom;

/** An atom that cannot be queued. The message names the input and says what is wrong with it. */
public final class InvalidAtomException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String input;

  InvalidAtomException(String input, String problem) {
    super("invalid atom '" + printable(input) + "': " + problem);
    this.input = input;
  }

  /** The text that was refused, exactly as given. */
  public String input() {
    return input;
  }

  /** Keeps control characters out of log lines and terminals. */
  private static String printable(String input) {
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < input.length() && shown < 200; i++, shown++) {
      char c = input.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (input.length() > 200) {
      out.append("...");
    }
    return out.toString();
  }
}

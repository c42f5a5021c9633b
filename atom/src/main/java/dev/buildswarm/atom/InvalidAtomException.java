package dev.buildswarm.atom;

/** An atom that cannot be queued. The message names the input and says what is wrong with it. */
public final class InvalidAtomException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String input;

  InvalidAtomException(String input, String problem) {
    super("invalid atom '" + ShownInput.of(input, 200) + "': " + problem);
    this.input = input;
  }

  /** The text that was refused, exactly as given. */
  public String input() {
    return input;
  }
}

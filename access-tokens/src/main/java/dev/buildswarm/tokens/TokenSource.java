package dev.buildswarm.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The token a client presents: given inline, or kept in a file that is read at each use, so a
 * drone picks up a rotated token at its next connection without a restart. Immutable.
 *
 * @param inline the token itself, or blank
 * @param file the file holding it (its first line that is neither blank nor a {@code #} comment),
 *     or null
 */
public record TokenSource(String inline, Path file) {
  public TokenSource {
    inline = inline == null ? "" : inline.strip();
  }

  /** The token from {@code inline} when set, else from {@code file} (null or blank: none). */
  public static TokenSource of(String inline, String file) {
    return new TokenSource(inline, file == null || file.isBlank() ? null : Path.of(file.strip()));
  }

  public static TokenSource none() {
    return new TokenSource("", null);
  }

  public boolean isConfigured() {
    return !inline.isEmpty() || file != null;
  }

  /**
   * The token now; empty when none is configured.
   *
   * @throws IllegalStateException naming the file when it cannot be read or holds no token
   */
  public String current() {
    if (!inline.isEmpty() || file == null) {
      return inline;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String token = line.strip();
        if (!token.isEmpty() && !token.startsWith("#")) {
          return token;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the token file " + file + ": " + e, e);
    }
    throw new IllegalStateException("the token file " + file + " holds no token");
  }

  /** Never the token itself: records are printed in logs. */
  @Override
  public String toString() {
    return file != null && inline.isEmpty() ? "TokenSource[file=" + file + "]" : "TokenSource[" + (inline.isEmpty() ? "none" : "inline") + "]";
  }
}

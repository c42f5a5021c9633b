package dev.buildswarm.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The tokens a service accepts from one kind of caller (drones, operators, readers): those given
 * inline in its settings plus those in a file, one per line ({@code #} starts a comment). The file
 * is read again whenever its modification time or size changes, so a token is added or withdrawn
 * without a restart: write the new file next to the old one and rename it over.
 *
 * <p>Only SHA-256 digests of the tokens are kept, and a presented token is digested and compared
 * with every accepted one by {@link MessageDigest#isEqual}: the time an answer takes tells nothing
 * about how close a guess was, nor how long a token is. No method here puts a token into a message.
 *
 * <p>A file that cannot be read when it has changed (mid-rename, say) leaves the tokens read
 * before in force; to withdraw every token from the file, empty it. Thread-safe.
 */
public final class AcceptedTokens {
  /** Shorter tokens are refused as settings: they could be guessed. */
  public static final int MIN_LENGTH = 16;

  private static final System.Logger LOG = System.getLogger(AcceptedTokens.class.getName());

  private final String setting;
  private final List<byte[]> inline;
  private final Path file;
  private volatile FileTokens fromFile;
  private volatile String lastProblem; // logged once, not at every call

  private record FileTokens(long modifiedMillis, long size, List<byte[]> digests) {}

  private AcceptedTokens(String setting, List<byte[]> inline, Path file, FileTokens fromFile) {
    this.setting = setting;
    this.inline = inline;
    this.file = file;
    this.fromFile = fromFile;
  }

  /**
   * @param setting how an operator names these tokens in errors, e.g. {@code drone tokens
   *     (BUILDSWARM_DRONE_TOKENS, BUILDSWARM_DRONE_TOKENS_FILE)}
   * @param inline tokens given in the settings; blanks are ignored
   * @param file a file of tokens, or null or blank for none
   * @throws IllegalArgumentException naming the setting (never the token) for a token that is too
   *     short or holds white space, or a file that cannot be read
   */
  public static AcceptedTokens of(String setting, Collection<String> inline, String file) {
    List<byte[]> digests = new ArrayList<>();
    for (String token : inline) {
      if (token != null && !token.isBlank()) {
        digests.add(digest(checked(token.strip(), setting)));
      }
    }
    Path path = file == null || file.isBlank() ? null : Path.of(file.strip());
    FileTokens fromFile = null;
    if (path != null) {
      try {
        fromFile = read(path, setting);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the " + setting + " file " + path + ": " + e, e);
      }
    }
    return new AcceptedTokens(setting, List.copyOf(digests), path, fromFile);
  }

  /** Accepts nothing. */
  public static AcceptedTokens none(String setting) {
    return new AcceptedTokens(setting, List.of(), null, null);
  }

  /**
   * True when tokens were configured at all (inline or a file), even if the file is empty now: an
   * emptied file withdraws every token; it does not open the door.
   */
  public boolean isConfigured() {
    return !inline.isEmpty() || file != null;
  }

  /** True when no token is accepted at all (nothing inline, nothing in the file now). */
  public boolean isEmpty() {
    return inline.isEmpty() && (file == null || current().isEmpty());
  }

  /** Whether {@code presented} (null allowed) is one of the accepted tokens right now. */
  public boolean accepts(String presented) {
    if (presented == null || presented.isEmpty()) {
      return false;
    }
    byte[] given = digest(presented.strip());
    boolean match = false;
    // Every token compared, each in constant time: no early exit on a match.
    for (byte[] token : inline) {
      match |= MessageDigest.isEqual(token, given);
    }
    if (file != null) {
      for (byte[] token : current()) {
        match |= MessageDigest.isEqual(token, given);
      }
    }
    return match;
  }

  /** How an operator names these tokens, for error messages. */
  public String setting() {
    return setting;
  }

  /**
   * The token in an HTTP {@code Authorization} header: {@code Bearer <token>}, or the password of
   * {@code Basic} credentials (Portage puts a binhost's {@code user:password@} there). Null when
   * the header holds neither.
   */
  public static String fromAuthorization(String header) {
    if (header == null) {
      return null;
    }
    String value = header.strip();
    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return value.substring(7).strip();
    }
    if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String pair = new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        return colon < 0 ? null : pair.substring(colon + 1);
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
    }
    return null;
  }

  private List<byte[]> current() {
    FileTokens known = fromFile;
    try {
      BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
      if (known == null || now.lastModifiedTime().toMillis() != known.modifiedMillis() || now.size() != known.size()) {
        FileTokens reread = read(file, setting);
        fromFile = reread;
        lastProblem = null;
        if (known != null) {
          LOG.log(System.Logger.Level.INFO, "{0}: read {1} again, {2} token(s)", setting, file, reread.digests().size());
        }
        return reread.digests();
      }
    } catch (IOException | IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).equals(lastProblem)) {
        return known == null ? List.of() : known.digests();
      }
      lastProblem = String.valueOf(e.getMessage());
      LOG.log(System.Logger.Level.WARNING, "{0}: cannot read {1} ({2}); the tokens read before stay in force",
          setting, file, e.getMessage());
    }
    return known == null ? List.of() : known.digests();
  }

  private static FileTokens read(Path file, String setting) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    List<byte[]> digests = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      digests.add(digest(checked(line, setting + " file " + file + " line " + (i + 1))));
    }
    return new FileTokens(attributes.lastModifiedTime().toMillis(), attributes.size(), List.copyOf(digests));
  }

  private static String checked(String token, String where) {
    if (token.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "a token in the " + where + " is shorter than " + MIN_LENGTH + " characters; use a long random one"
              + " (e.g. openssl rand -hex 24)");
    }
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "a token in the " + where + " holds white space or a character outside printable ASCII");
    }
    return token;
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

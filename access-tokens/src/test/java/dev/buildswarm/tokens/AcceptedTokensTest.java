package dev.buildswarm.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceptedTokensTest {
  private static final String FIRST = "first-token-0123456789";
  private static final String SECOND = "second-token-0123456789";

  @TempDir Path dir;

  @Test
  void acceptsExactlyTheConfiguredTokens() {
    AcceptedTokens tokens = AcceptedTokens.of("drone tokens", List.of(FIRST, " " + SECOND + " ", ""), null);
    assertTrue(tokens.accepts(FIRST));
    assertTrue(tokens.accepts(SECOND));
    assertFalse(tokens.accepts(FIRST + "x"));
    assertFalse(tokens.accepts(FIRST.substring(1)));
    assertFalse(tokens.accepts(""));
    assertFalse(tokens.accepts(null));
    assertFalse(tokens.isEmpty());
    assertTrue(AcceptedTokens.of("drone tokens", List.of("", " "), "").isEmpty());
  }

  @Test
  void aShortTokenIsRefusedAndTheErrorNeverShowsIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AcceptedTokens.of("operator tokens (BUILDSWARM_OPERATOR_TOKENS)", List.of("hunter2"), null));
    assertTrue(e.getMessage().contains("operator tokens (BUILDSWARM_OPERATOR_TOKENS)"), e.getMessage());
    assertTrue(e.getMessage().contains("shorter than 16"), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AcceptedTokens.of("t", List.of("has a space inside it ok"), null));
  }

  @Test
  void aRotatedFileTakesEffectWithoutARestart() throws Exception {
    Path file = dir.resolve("drone-tokens");
    Files.writeString(file, "# drones of rack 1\n" + FIRST + "\n");
    AcceptedTokens tokens = AcceptedTokens.of("drone tokens", List.of(), file.toString());
    assertTrue(tokens.accepts(FIRST));
    assertFalse(tokens.accepts(SECOND));

    // Rotation as an operator does it: a new file renamed over the old one.
    Path next = dir.resolve("drone-tokens.new");
    Files.writeString(next, FIRST + "\n" + SECOND + "\n");
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertTrue(tokens.accepts(SECOND), "the new token works at once");
    assertTrue(tokens.accepts(FIRST), "the old one too, until it is withdrawn");

    Files.writeString(file, SECOND + "\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertFalse(tokens.accepts(FIRST), "withdrawn");
    assertTrue(tokens.accepts(SECOND));

    Files.writeString(file, "");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    assertTrue(tokens.isEmpty());
    assertFalse(tokens.accepts(SECOND));
  }

  @Test
  void anUnreadableFileKeepsTheTokensReadBefore() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, FIRST + "\n");
    AcceptedTokens tokens = AcceptedTokens.of("drone tokens", List.of(), file.toString());
    Files.delete(file); // as between the two steps of a careless rotation
    assertTrue(tokens.accepts(FIRST));
  }

  @Test
  void aMissingFileAtStartIsAnErrorNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AcceptedTokens.of("drone tokens", List.of(), dir.resolve("nope").toString()));
    assertTrue(e.getMessage().contains("drone tokens file " + dir.resolve("nope")), e.getMessage());
  }

  @Test
  void aShortTokenInTheFileNamesTheLine() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, FIRST + "\nshort\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AcceptedTokens.of("drone tokens", List.of(), file.toString()));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void readsBearerAndBasicAuthorization() {
    assertEquals(FIRST, AcceptedTokens.fromAuthorization("Bearer " + FIRST));
    assertEquals(FIRST, AcceptedTokens.fromAuthorization("bearer   " + FIRST));
    String basic = Base64.getEncoder().encodeToString(("binhost:" + FIRST).getBytes(StandardCharsets.UTF_8));
    assertEquals(FIRST, AcceptedTokens.fromAuthorization("Basic " + basic));
    assertNull(AcceptedTokens.fromAuthorization("Basic !!!"));
    assertNull(AcceptedTokens.fromAuthorization("Digest x"));
    assertNull(AcceptedTokens.fromAuthorization(null));
  }

  @Test
  void aTokenSourceReadsItsFileAtEachUse() throws Exception {
    Path file = dir.resolve("drone.token");
    Files.writeString(file, "# this drone's token\n" + FIRST + "\n");
    TokenSource source = TokenSource.of("", file.toString());
    assertEquals(FIRST, source.current());
    Files.writeString(file, SECOND + "\n");
    assertEquals(SECOND, source.current());
    assertFalse(source.toString().contains(SECOND));
    assertEquals("", TokenSource.none().current());
    Files.writeString(file, "\n# nothing\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, source::current);
    assertTrue(e.getMessage().contains(file.toString()));
  }
}

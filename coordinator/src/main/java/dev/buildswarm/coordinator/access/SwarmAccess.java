package dev.buildswarm.coordinator.access;

import dev.buildswarm.tokens.AcceptedTokens;
import java.util.List;

/**
 * Who may do what on a coordinator: drones need a drone token to join, operators (CLI, dashboard
 * actions) an operator token to drive; readers (binhost downloads, metrics) a reader token or an
 * operator token, unless no reader token is configured, which leaves reading open. Immutable.
 */
public record SwarmAccess(AcceptedTokens drones, AcceptedTokens operators, AcceptedTokens readers) {
  static final String DRONES = "drone tokens (BUILDSWARM_DRONE_TOKENS, BUILDSWARM_DRONE_TOKENS_FILE)";
  static final String OPERATORS = "operator tokens (BUILDSWARM_OPERATOR_TOKENS, BUILDSWARM_OPERATOR_TOKENS_FILE)";
  static final String READERS = "reader tokens (BUILDSWARM_READER_TOKENS, BUILDSWARM_READER_TOKENS_FILE)";

  /**
   * From the settings (comma-separated lists and files of one token per line).
   *
   * @throws IllegalArgumentException when no drone or no operator token is configured: a
   *     coordinator nobody needs a credential for is never started
   */
  public static SwarmAccess fromSettings(
      List<String> droneTokens, String droneTokensFile,
      List<String> operatorTokens, String operatorTokensFile,
      List<String> readerTokens, String readerTokensFile) {
    AcceptedTokens drones = AcceptedTokens.of(DRONES, droneTokens, droneTokensFile);
    AcceptedTokens operators = AcceptedTokens.of(OPERATORS, operatorTokens, operatorTokensFile);
    if (drones.isEmpty()) {
      throw new IllegalArgumentException(
          "no drone token is configured: set " + DRONES + " so that only your drones can join this swarm");
    }
    if (operators.isEmpty()) {
      throw new IllegalArgumentException(
          "no operator token is configured: set " + OPERATORS + " so that only operators can drive this swarm");
    }
    return new SwarmAccess(drones, operators, AcceptedTokens.of(READERS, readerTokens, readerTokensFile));
  }

  /** Whether {@code token} may read (binhost, metrics): any when reading is open. */
  public boolean mayRead(String token) {
    return !readers.isConfigured() || readers.accepts(token) || operators.accepts(token);
  }
}

package dev.buildswarm.atom;

/** The version operator in front of an atom. {@link #NONE} means "any version" and takes no version. */
public enum Operator {
  NONE(""),
  LESS("<"),
  LESS_OR_EQUAL("<="),
  EQUAL("="),
  APPROXIMATE("~"),
  GREATER_OR_EQUAL(">="),
  GREATER(">");

  private final String symbol;

  Operator(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }
}

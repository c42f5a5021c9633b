package dev.buildswarm.atom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random input never crashes the parser, and nothing it accepts can carry shell syntax. Seeded, so a
 * failure names the seed and the input and reproduces.
 */
class AtomFuzzTest {

  private static final String SHELL_SYNTAX = " \t\n;&|$`'\"\\<>(){}!#~*?[]";
  private static final String[] OPERATORS = {"", "=", ">=", "<=", "<", ">", "~", "!", "!!"};
  private static final String[] VERSIONS = {
    "", "-1", "-1.0", "-2.38-r10", "-1_rc1", "-0_p1-r2", "-1.0*", "-r1", "-1a_beta", "-1.0-r01.1"
  };
  private static final String[] TAILS = {
    "", ":0", ":0/1.2", "::gentoo", ":=", ":*", "[ssl]", ";id", "$(id)", " x", "*", "\n", "::a-1"
  };
  private static final String NAME_CHARS = "abcz09-_+.AZ";

  @Test
  void randomTextIsEitherAnAtomOrAClearRefusal() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(40);
      for (int j = 0; j < length; j++) {
        // Mostly printable ASCII, sometimes anything in the BMP.
        text.append(random.nextInt(8) == 0 ? (char) random.nextInt(0xD800) : (char) (0x20 + random.nextInt(95)));
      }
      checkOneInput(text.toString(), seed);
    }
  }

  @Test
  void atomShapedTextIsEitherAnAtomOrAClearRefusal() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      String text =
          pick(random, OPERATORS)
              + name(random)
              + "/"
              + name(random)
              + pick(random, VERSIONS)
              + pick(random, TAILS);
      if (checkOneInput(text, seed)) {
        accepted++;
      }
    }
    assertTrue(accepted > 100, "the generator makes valid atoms too (seed " + seed + ")");
  }

  private static String pick(Random random, String[] from) {
    return from[random.nextInt(from.length)];
  }

  private static String name(Random random) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(9);
    for (int i = 0; i < length; i++) {
      out.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length())));
    }
    return out.toString();
  }

  /** Returns whether the text was accepted. */
  private static boolean checkOneInput(String text, long seed) {
    String context = " (seed " + seed + ", input '" + text + "')";
    try {
      Atom atom = Atom.parse(text);
      assertEquals(atom, Atom.parse(atom.toString()), "canonical text parses to the same atom" + context);
      for (String part : new String[] {atom.category(), atom.packageName(), atom.cpv()}) {
        for (char c : part.toCharArray()) {
          assertTrue(SHELL_SYNTAX.indexOf(c) < 0, "'" + c + "' in " + part + context);
        }
      }
      return true;
    } catch (InvalidAtomException refused) {
      assertTrue(refused.getMessage().startsWith("invalid atom '"), refused.getMessage() + context);
      return false;
    } catch (RuntimeException crash) {
      throw new AssertionError("the parser crashed" + context, crash);
    }
  }
}

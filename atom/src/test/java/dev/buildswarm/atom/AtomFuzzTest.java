package dev.buildswarm.atom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random input never crashes the parser, and nothing it accepts can carry shell syntax into an argv:
 * every part of an accepted atom holds only the characters PMS allows there, and none starts with
 * a character an argv reader could take for an option.
 *
 * <p>Seeded: {@code -Dfuzz.seed=N} replays the run a failure names, {@code -Dfuzz.iterations=N}
 * runs longer (docs/testing.md).
 */
class AtomFuzzTest {

  static final long SEED = Long.getLong("fuzz.seed", 20_240_901L);
  static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 10_000);

  private static final String[] OPERATORS = {"", "=", ">=", "<=", "<", ">", "~", "!", "!!", "-", "--", "=<"};
  private static final String[] VERSIONS = {
    "", "-1", "-1.0", "-2.38-r10", "-1_rc1", "-0_p1-r2", "-1.0*", "-r1", "-1a_beta", "-1.0-r01.1",
    "-99999999999999999999", "-1-r99999999999", "-1-r00", "-1.2.3_p99999999999999999999-r0", "-1--r1",
    "-1.", "-.1", "-1_", "-1ab", "-1_alpha_beta_pre_rc_p"
  };
  private static final String[] TAILS = {
    "", ":0", ":0/1.2", "::gentoo", ":=", ":*", "[ssl]", ";id", "$(id)", " x", "*", "\n", "::a-1",
    ":-1", ":.x", ":+x", "::-repo", "::a.b", ":0/", ":/1", "::", ":0::gentoo", ":a:b", "\u0000", "|x",
    "&", ">x", "<x", "'", "\"", "`id`", "(x)", "\\", "::gentoo;ls", ":0/1.2::x", "::x-1.0"
  };
  private static final String NAME_CHARS = "abcz09-_+.AZ";
  private static final String NASTY =
      " \t\n\r\u0000;&|$`'\"\\<>(){}!#~*?[]=:/@%^,\u00a0\u2028\uff0f\u0430\u00e9";

  /** The parts of an atom, by PMS (3.1 to 3.4, 8.3), written out here independently of Atom. */
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*");
  private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_-]*");
  private static final Pattern SLOT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*");
  private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*");
  private static final String PMS_VERSION =
      "[0-9]+(\\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|p)[0-9]*)*(-r[0-9]+(\\.[0-9]+)?)?";
  private static final Pattern VERSION = Pattern.compile(PMS_VERSION);
  private static final Pattern ENDS_IN_VERSION = Pattern.compile(".*-" + PMS_VERSION);
  /** What may follow the operator in an atom's text. */
  private static final Pattern ATOM_BODY = Pattern.compile("[A-Za-z0-9+_.\\-/:*]+");

  @Test
  void randomTextIsEitherAnAtomOrAClearRefusal() {
    Random random = new Random(SEED);
    for (int i = 0; i < ITERATIONS; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(40);
      for (int j = 0; j < length; j++) {
        int kind = random.nextInt(16);
        if (kind == 0) {
          text.append((char) random.nextInt(0x10000)); // anything in the BMP, lone surrogates too
        } else if (kind == 1) {
          text.appendCodePoint(0x10000 + random.nextInt(0x100000));
        } else {
          text.append((char) (0x20 + random.nextInt(95)));
        }
      }
      checkOneInput(text.toString(), i);
    }
  }

  @Test
  void atomShapedTextIsEitherAnAtomOrAClearRefusal() {
    Random random = new Random(SEED);
    int accepted = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      String text =
          pick(random, OPERATORS)
              + name(random)
              + "/"
              + name(random)
              + pick(random, VERSIONS)
              + pick(random, TAILS);
      if (checkOneInput(text, i)) {
        accepted++;
      }
    }
    assertTrue(accepted > ITERATIONS / 200, "the generator makes valid atoms too (seed " + SEED + ")");
  }

  @Test
  void mutatedRealAtomsAreEitherAtomsOrClearRefusals() throws IOException {
    List<String> real = realAtoms();
    Random random = new Random(SEED);
    int accepted = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      String text = real.get(random.nextInt(real.size()));
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        text = mutate(random, text);
      }
      if (checkOneInput(text, i)) {
        accepted++;
      }
    }
    assertTrue(accepted > ITERATIONS / 100, "some mutations stay valid atoms (seed " + SEED + ")");
  }

  /** Every package of the real {@code emerge -pv} output and every merge of the real logs, as atoms. */
  private static List<String> realAtoms() throws IOException {
    Pattern ebuild = Pattern.compile("^\\[ebuild[^\\]]*\\] (\\S+)");
    Pattern merge = Pattern.compile("^\\d+:  >>> emerge \\(\\d+ of \\d+\\) (\\S+) to ");
    List<String> atoms = new ArrayList<>();
    var data = RealEmergeOutputAtomTest.sharedData();
    for (String name : List.of("emerge_pv_thodg_ddm.txt", "emerge_log_hoeding_gentoo_apu.log")) {
      for (String line : Files.readAllLines(data.resolve(name), java.nio.charset.StandardCharsets.ISO_8859_1)) {
        for (Pattern p : List.of(ebuild, merge)) {
          Matcher m = p.matcher(line);
          if (m.find()) {
            atoms.add("=" + m.group(1));
          }
        }
      }
    }
    assertTrue(atoms.size() > 300, "real atoms found: " + atoms.size());
    return atoms;
  }

  /** One structure-aware change: a character, a number, an operator, a part or its separator. */
  private static String mutate(Random random, String text) {
    if (text.isEmpty()) {
      return pick(random, OPERATORS);
    }
    int at = random.nextInt(text.length() + 1);
    String head = text.substring(0, at);
    String tail = text.substring(at);
    return switch (random.nextInt(10)) {
      case 0 -> head + NASTY.charAt(random.nextInt(NASTY.length())) + tail;
      case 1 -> head + (tail.isEmpty() ? "" : tail.substring(1));
      case 2 -> head; // truncated
      case 3 -> head + "9".repeat(1 + random.nextInt(40)) + tail; // a huge number
      case 4 -> pick(random, OPERATORS) + text.replaceFirst("^[<>=~!]+", "");
      case 5 -> text + pick(random, TAILS);
      case 6 -> head + head + tail; // a part duplicated
      case 7 -> head + pick(random, new String[] {"-", "_", ".", ":", "::", "/", "*", "-r", "_p"}) + tail;
      case 8 -> head + "x".repeat(random.nextInt(300)) + tail; // long
      default -> head.toUpperCase(java.util.Locale.ROOT) + tail;
    };
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
  private static boolean checkOneInput(String text, int iteration) {
    String context =
        " (-Dfuzz.seed=" + SEED + ", iteration " + iteration + ", input '" + escaped(text) + "')";
    Atom atom;
    try {
      atom = Atom.parse(text);
    } catch (InvalidAtomException refused) {
      assertTrue(refused.getMessage().startsWith("invalid atom '"), refused.getMessage() + context);
      assertEquals(text, refused.input(), "the refusal keeps the input" + context);
      assertFalse(refused.getMessage().contains("\n"), "the message is one line" + context);
      return false;
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("the parser crashed" + context, crash);
    }
    assertEquals(atom, Atom.parse(atom.toString()), "canonical text parses to the same atom" + context);
    assertMatches(CATEGORY, atom.category(), "category", context);
    assertMatches(PACKAGE, atom.packageName(), "package name", context);
    assertFalse(ENDS_IN_VERSION.matcher(atom.packageName()).matches(), "package name ends in a version" + context);
    atom.version().ifPresent(v -> assertMatches(VERSION, v, "version", context));
    assertEquals(atom.operator() != Operator.NONE, atom.version().isPresent(), "operator iff version" + context);
    atom.slot().ifPresent(s -> assertMatches(SLOT, s, "slot", context));
    atom.subSlot().ifPresent(s -> assertMatches(SLOT, s, "sub-slot", context));
    atom.repository().ifPresent(r -> assertMatches(REPOSITORY, r, "repository", context));
    assertFalse(atom.repository().map(r -> ENDS_IN_VERSION.matcher(r).matches()).orElse(false), "repository" + context);
    String body = atom.toString().substring(atom.operator().symbol().length());
    assertMatches(ATOM_BODY, body, "text after the operator", context);
    assertMatches(ATOM_BODY, atom.cpv(), "cpv", context);
    assertFalse(atom.toString().startsWith("-"), "an atom that reads as an option" + context);
    assertTrue(atom.toString().length() <= Atom.MAX_LENGTH, "length" + context);
    for (Optional<String> part : List.of(atom.slot(), atom.subSlot(), atom.repository())) {
      part.ifPresent(p -> assertFalse(p.startsWith("-"), "part starts with -" + context));
    }
    return true;
  }

  private static void assertMatches(Pattern pattern, String value, String what, String context) {
    assertTrue(pattern.matcher(value).matches(), what + " '" + escaped(value) + "' breaks PMS" + context);
  }

  /** The input as Java would write it, so it can be pasted into a regression test. */
  static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }
}

package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded input for the fuzz tests: random garbage and structure-aware mutations of real Portage
 * files. {@code -Dfuzz.seed=N} replays the run a failure names; {@code -Dfuzz.iterations=N} sets
 * how many inputs each test tries (each test has its own default, sized so all of them together
 * stay within seconds on CI). See docs/testing.md.
 */
public final class Fuzz {
  public static final long SEED = Long.getLong("fuzz.seed", 20_240_901L);

  /** Characters that mean something to a shell, a terminal or a line reader, and look-alikes. */
  public static final String NASTY =
      " \t\r\n\u0000;&|$`'\"\\<>(){}!#~*?[]=:/@%^,\u00a0\u2028\u202e\uff0f\u0430\ufeff";

  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** An atom's text: an operator, then only what PMS allows in its parts (no shell syntax). */
  private static final Pattern SAFE_ATOM = Pattern.compile("(|=|<|<=|>|>=|~)[A-Za-z0-9_][A-Za-z0-9+_.\\-/:*]*");

  private Fuzz() {}

  /** The iteration count: {@code -Dfuzz.iterations} if given, else the test's default. */
  public static int iterations(int byDefault) {
    return Integer.getInteger("fuzz.iterations", byDefault);
  }

  public static Random random() {
    return new Random(SEED);
  }

  /** What a failure message carries so the input can be made again. */
  public static String replay(int iteration, String input) {
    String shown = input.length() > 400 ? input.substring(0, 400) + "...(" + input.length() + " chars)" : input;
    return " (replay: -Dfuzz.seed=" + SEED + ", iteration " + iteration + "; input: " + escaped(shown) + ")";
  }

  /** Java-escaped, so an input can be pasted into a regression test. */
  public static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '\n') {
        out.append("\\n");
      } else if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  /**
   * The text a parser gave as an atom is canonical and could go into an argv: it parses back to
   * itself and holds nothing but an operator and PMS name, version, slot and repository characters.
   */
  public static void assertSafeAtom(String atom, String context) {
    assertTrue(SAFE_ATOM.matcher(atom).matches(), "not a plain atom: '" + escaped(atom) + "'" + context);
    assertEquals(atom, Atom.parse(atom).toString(), "not canonical" + context);
  }

  /** Garbage: mostly printable ASCII, some line breaks, some anything. */
  public static String garbage(Random random, int maxLength) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(20);
      if (kind == 0) {
        out.append('\n');
      } else if (kind == 1) {
        out.append((char) random.nextInt(0x10000));
      } else if (kind == 2) {
        out.append(NASTY.charAt(random.nextInt(NASTY.length())));
      } else {
        out.append((char) (0x20 + random.nextInt(95)));
      }
    }
    return out.toString();
  }

  /** A run of consecutive lines, so a mutated window of a large log stays cheap to read. */
  public static List<String> window(Random random, List<String> lines, int size) {
    int from = random.nextInt(Math.max(1, lines.size() - size));
    return new ArrayList<>(lines.subList(from, Math.min(lines.size(), from + size)));
  }

  /** The lines after one to four structure-aware changes, joined with newlines. */
  public static String mutated(Random random, List<String> original) {
    List<String> lines = new ArrayList<>(original);
    int changes = 1 + random.nextInt(4);
    for (int c = 0; c < changes; c++) {
      if (lines.isEmpty()) {
        lines.add(garbage(random, 80));
        continue;
      }
      int at = random.nextInt(lines.size());
      String line = lines.get(at);
      int pos = random.nextInt(line.length() + 1);
      switch (random.nextInt(12)) {
        case 0 -> lines.set(at, flip(random, line));
        case 1 -> lines.set(at, line.substring(0, pos)); // line truncated
        case 2 -> lines.add(at, line); // line duplicated
        case 3 -> lines.remove(at);
        case 4 -> lines.set(at, line.substring(0, pos) + NASTY.charAt(random.nextInt(NASTY.length())) + line.substring(pos));
        case 5 -> lines.set(at, hugeNumber(random, line));
        case 6 -> lines.set(at, line.substring(0, pos) + unicode(random) + line.substring(pos));
        case 7 -> lines.set(at, line.substring(0, pos) + "x".repeat(1000 + random.nextInt(100_000)) + line.substring(pos));
        case 8 -> lines.add(at, lines.get(random.nextInt(lines.size()))); // a line out of place
        case 9 -> lines.set(at, line + "\r");
        case 10 -> lines.set(at, line.substring(0, pos) + "$(rm -rf /);`id`|&>" + line.substring(pos));
        default -> {
          // The whole text cut short mid-line, as a log being written is.
          lines.subList(at + 1, lines.size()).clear();
          lines.set(at, line.substring(0, pos));
        }
      }
    }
    return String.join("\n", lines);
  }

  /** One character turned into another, as a flipped bit does. */
  private static String flip(Random random, String line) {
    if (line.isEmpty()) {
      return String.valueOf((char) random.nextInt(0x80));
    }
    char[] chars = line.toCharArray();
    int i = random.nextInt(chars.length);
    chars[i] = (char) (chars[i] ^ (1 << random.nextInt(8)));
    return new String(chars);
  }

  /** One run of digits replaced by a number far past any integer type. */
  private static String hugeNumber(Random random, String line) {
    Matcher m = DIGITS.matcher(line);
    List<int[]> runs = new ArrayList<>();
    while (m.find()) {
      runs.add(new int[] {m.start(), m.end()});
    }
    if (runs.isEmpty()) {
      return line + "99999999999999999999";
    }
    int[] run = runs.get(random.nextInt(runs.size()));
    String number =
        switch (random.nextInt(4)) {
          case 0 -> "9".repeat(10 + random.nextInt(40));
          case 1 -> "-1";
          case 2 -> String.valueOf(Long.MAX_VALUE);
          default -> "2147483648";
        };
    return line.substring(0, run[0]) + number + line.substring(run[1]);
  }

  private static String unicode(Random random) {
    String[] samples = {"\u00e9", "\u0430", "\uff0f", "\u202e", "\ud83d\ude00", "\ud800", "\u0000", "\u2028", "\ufeff"};
    return samples[random.nextInt(samples.length)];
  }
}

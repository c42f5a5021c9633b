package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a list of packages to queue, as an operator has one: a plain list of atoms, or the output of
 * {@code emerge -p}, {@code -pv} or {@code --pretend --tree}. Pure: text in, reading out.
 *
 * <p>In Portage's output, each {@code [ebuild FLAGS] CAT/PKG-VER[:SLOT][::REPO] ...} line becomes
 * the atom {@code =CAT/PKG-VER[:SLOT][::REPO]}; blockers, uninstalls, binary packages and
 * {@code nomerge} lines are skipped and reported; other lines (headers, {@code Total:}) are
 * Portage's talk and ignored. In a plain list every line that is not blank or a {@code #} comment
 * must be an atom.
 */
public final class PackageList {
  private PackageList() {}

  /** What a file holds. */
  public enum Format {
    LIST,
    EMERGE;

    public static Format named(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "list" -> LIST;
        case "emerge" -> EMERGE;
        default -> throw new IllegalArgumentException("unknown format '" + name + "' (list, emerge or json)");
      };
    }
  }

  /** A package to queue, with the line it came from (1-based). */
  public record Entry(int line, String atom) {}

  /** A line that is not what it should be, or was left out on purpose, with why. */
  public record Note(int line, String text, String why) {}

  /**
   * @param entries the packages, in the order given (Portage's merge order for its output)
   * @param invalid lines that should be packages but are not: nothing may be queued unless skipped
   * @param skipped lines left out on purpose (blockers, uninstalls, binaries)
   */
  public record Reading(Format format, List<Entry> entries, List<Note> invalid, List<Note> skipped) {
    public Reading {
      entries = List.copyOf(entries);
      invalid = List.copyOf(invalid);
      skipped = List.copyOf(skipped);
    }
  }

  /** Portage output when any line starts (after indentation) with a bracketed merge line. */
  public static Format detect(String text) {
    for (String line : text.split("\n", -1)) {
      String t = line.strip().toLowerCase(Locale.ROOT);
      if (t.startsWith("[ebuild") || t.startsWith("[binary") || t.startsWith("[blocks") || t.startsWith("[uninstall")) {
        return Format.EMERGE;
      }
    }
    return Format.LIST;
  }

  public static Reading read(String text, Format format) {
    List<Entry> entries = new ArrayList<>();
    List<Note> invalid = new ArrayList<>();
    List<Note> skipped = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      String line = lines[i].strip();
      if (format == Format.LIST) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        atom(line, number, line, entries, invalid);
        continue;
      }
      if (!line.startsWith("[")) {
        continue;
      }
      int close = line.indexOf(']');
      if (close < 0) {
        invalid.add(new Note(number, line, "no closing ] after the merge kind"));
        continue;
      }
      String kind = line.substring(1, close).strip().split("\\s+")[0].toLowerCase(Locale.ROOT);
      String rest = line.substring(close + 1).strip();
      switch (kind) {
        case "ebuild" -> {
          String cpv = rest.isEmpty() ? "" : rest.split("\\s+")[0];
          atom("=" + cpv, number, line, entries, invalid);
        }
        case "blocks" -> skipped.add(new Note(number, line, "blocker"));
        case "uninstall" -> skipped.add(new Note(number, line, "uninstall"));
        case "binary" -> skipped.add(new Note(number, line, "binary package (already built)"));
        case "nomerge" -> skipped.add(new Note(number, line, "not merged"));
        default -> invalid.add(new Note(number, line, "unknown merge kind '" + kind + "'"));
      }
    }
    return new Reading(format, entries, invalid, skipped);
  }

  private static void atom(String text, int number, String line, List<Entry> entries, List<Note> invalid) {
    try {
      entries.add(new Entry(number, Atom.parse(text).toString()));
    } catch (IllegalArgumentException e) {
      invalid.add(new Note(number, line, e.getMessage()));
    }
  }
}

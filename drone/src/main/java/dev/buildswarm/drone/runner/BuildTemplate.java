package dev.buildswarm.drone.runner;

import dev.buildswarm.atom.Atom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The drone's configured build command as an argv template, e.g. {@code ["emerge", "--oneshot",
 * "--buildpkg", "--usepkg=n", "{atom}"]}. No shell is ever involved: each element becomes exactly one
 * argument, so an atom can never become shell syntax.
 *
 * <p>Placeholders: {@code {atom}} the atom as queued, with its operator, slot and repository (e.g.
 * {@code =sys-libs/glibc-2.38-r10}); {@code {cpv}} category/package-version; {@code {category}};
 * {@code {package}}; {@code {version}} (with revision); {@code {slot}}; {@code {repo}}. The attempt
 * number is deliberately not a placeholder: every attempt runs the same argv (lesson 1); it is in
 * the build's environment as {@code BUILDSWARM_ATTEMPT}.
 *
 * <p>Immutable and thread-safe.
 */
public final class BuildTemplate {

  /** The production default: build with Portage and keep a binary package. */
  public static final List<String> EMERGE =
      List.of("emerge", "--oneshot", "--buildpkg", "--usepkg=n", "{atom}");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
  private static final List<String> KNOWN =
      List.of("atom", "cpv", "category", "package", "version", "slot", "repo");

  private final List<String> argv;

  private BuildTemplate(List<String> argv) {
    this.argv = List.copyOf(argv);
  }

  /**
   * Checks a template once, when the drone starts, so a mistake stops the drone with a clear message
   * instead of failing every build.
   *
   * @throws IllegalArgumentException naming the element and the problem
   */
  public static BuildTemplate of(List<String> argv) {
    if (argv == null || argv.isEmpty() || argv.get(0).isBlank()) {
      throw new IllegalArgumentException("build command template is empty: name a program first");
    }
    if (argv.get(0).contains("{")) {
      throw new IllegalArgumentException(
          "build command template: the program '" + argv.get(0) + "' may not contain a placeholder");
    }
    for (String element : argv) {
      Matcher m = PLACEHOLDER.matcher(element);
      while (m.find()) {
        if (!KNOWN.contains(m.group(1))) {
          throw new IllegalArgumentException(
              "build command template: unknown placeholder {"
                  + m.group(1)
                  + "} in '"
                  + element
                  + "'; known: {"
                  + String.join("}, {", KNOWN)
                  + "}");
        }
      }
      int at = element.indexOf("{atom}");
      if (at > 0 && "=<>~!".indexOf(element.charAt(at - 1)) >= 0) {
        throw new IllegalArgumentException(
            "build command template: '"
                + element
                + "' puts an operator before {atom}, but {atom} already carries the operator it"
                + " was queued with; use {atom}, or ={cpv} to pin the exact version");
      }
    }
    return new BuildTemplate(argv);
  }

  /**
   * The argv for one attempt. A pure function of the atom and this template: attempt 5 gets exactly
   * what attempt 1 got.
   *
   * @throws IllegalArgumentException when the template needs a part the atom lacks, e.g. {@code
   *     {version}} for an unversioned atom
   */
  public List<String> argvFor(Atom atom) {
    Map<String, String> values =
        Map.of(
            "atom", atom.toString(),
            "cpv", atom.cpv(),
            "category", atom.category(),
            "package", atom.packageName(),
            "version", atom.version().orElse(""),
            "slot", atom.slot().orElse(""),
            "repo", atom.repository().orElse(""));
    List<String> out = new ArrayList<>(argv.size());
    for (String element : argv) {
      Matcher m = PLACEHOLDER.matcher(element);
      StringBuilder expanded = new StringBuilder();
      while (m.find()) {
        String value = values.get(m.group(1));
        if (value.isEmpty()) {
          throw new IllegalArgumentException(
              "the build command needs {" + m.group(1) + "}, which atom " + atom + " does not have");
        }
        m.appendReplacement(expanded, Matcher.quoteReplacement(value));
      }
      m.appendTail(expanded);
      out.add(expanded.toString());
    }
    return List.copyOf(out);
  }
}

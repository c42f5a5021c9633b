package dev.buildswarm.atom;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A package atom as an operator queues it, e.g. {@code =sys-libs/glibc-2.38-r10}, {@code
 * >=dev-lang/python-3.12:3.12}, {@code dev-util/cmake::gentoo}. Immutable; {@link #toString()} gives
 * back the canonical text, which is what the swarm stores and what every build attempt starts from.
 *
 * <p>Follows PMS for category, package, version, slot and repository names. Two things a dependency
 * specification may hold are refused because nothing can build them: blockers ({@code !atom}) and
 * USE dependencies ({@code atom[foo]}); so are slot operators ({@code :=}, {@code :*}). One
 * extension: Gentoo Prefix's dotted revisions ({@code -r01.1}), which appear in real emerge logs.
 *
 * @param operator the version operator, {@link Operator#NONE} for "any version"
 * @param category e.g. {@code sys-libs}
 * @param packageName e.g. {@code glibc}
 * @param version e.g. {@code 2.38-r10}, with its revision; empty exactly when the operator is NONE
 * @param versionGlob true for {@code =cat/pkg-1.2*} (any version starting with 1.2)
 * @param slot e.g. {@code 0}, empty when none is given
 * @param subSlot e.g. {@code 1.2} in {@code :0/1.2}, empty when none is given
 * @param repository e.g. {@code gentoo} in {@code ::gentoo}, empty when none is given
 */
public record Atom(
    Operator operator,
    String category,
    String packageName,
    Optional<String> version,
    boolean versionGlob,
    Optional<String> slot,
    Optional<String> subSlot,
    Optional<String> repository) {

  /** Longer atoms are refused: the longest in the Gentoo tree is far below this. */
  public static final int MAX_LENGTH = 256;

  private static final String VERSION =
      "[0-9]+(?:\\.[0-9]+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)[0-9]*)*(?:-r[0-9]+(?:\\.[0-9]+)?)?";
  private static final Pattern VERSION_PATTERN = Pattern.compile(VERSION);
  private static final Pattern ENDS_IN_VERSION = Pattern.compile(".*-" + VERSION);
  private static final Pattern PACKAGE_AND_VERSION = Pattern.compile("(.+?)-(" + VERSION + ")");
  private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*");
  private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_-]*");
  private static final Pattern SLOT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9+_.-]*");
  private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*");
  private static final Pattern REVISION = Pattern.compile(".*-r([0-9]+)(?:\\.[0-9]+)?");

  /**
   * Parses and validates an atom for queueing.
   *
   * @throws InvalidAtomException naming the input and the problem
   */
  public static Atom parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidAtomException(text == null ? "" : text, "it is empty");
    }
    if (text.length() > MAX_LENGTH) {
      throw new InvalidAtomException(
          text, "it is " + text.length() + " characters long; the limit is " + MAX_LENGTH);
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        throw new InvalidAtomException(
            text, "it contains a space, control or non-ASCII character at position " + (i + 1));
      }
    }
    if (text.startsWith("!")) {
      throw new InvalidAtomException(
          text, "it is a blocker (it says what must not be installed); a blocker cannot be built");
    }
    if (text.indexOf('[') >= 0 || text.indexOf(']') >= 0) {
      throw new InvalidAtomException(
          text,
          "USE dependencies ([flag]) belong in dependency specifications; set USE flags in the"
              + " drone's Portage configuration instead");
    }

    String rest = text;
    Operator operator = Operator.NONE;
    for (Operator candidate :
        new Operator[] {
          Operator.LESS_OR_EQUAL, Operator.GREATER_OR_EQUAL, Operator.LESS, Operator.GREATER,
          Operator.EQUAL, Operator.APPROXIMATE
        }) {
      if (rest.startsWith(candidate.symbol())) {
        operator = candidate;
        rest = rest.substring(candidate.symbol().length());
        break;
      }
    }

    Optional<String> repository = Optional.empty();
    int repoAt = rest.indexOf("::");
    if (repoAt >= 0) {
      String repo = rest.substring(repoAt + 2);
      if (!REPOSITORY.matcher(repo).matches() || ENDS_IN_VERSION.matcher(repo).matches()) {
        throw new InvalidAtomException(text, "'" + repo + "' is not a valid repository name");
      }
      repository = Optional.of(repo);
      rest = rest.substring(0, repoAt);
    }

    Optional<String> slot = Optional.empty();
    Optional<String> subSlot = Optional.empty();
    int slotAt = rest.indexOf(':');
    if (slotAt >= 0) {
      String slotText = rest.substring(slotAt + 1);
      rest = rest.substring(0, slotAt);
      if (slotText.equals("*") || slotText.endsWith("=")) {
        throw new InvalidAtomException(
            text, "slot operators (:*, :=) belong in dependency specifications; name a slot");
      }
      int slash = slotText.indexOf('/');
      String main = slash >= 0 ? slotText.substring(0, slash) : slotText;
      if (!SLOT.matcher(main).matches()) {
        throw new InvalidAtomException(text, "'" + main + "' is not a valid slot name");
      }
      slot = Optional.of(main);
      if (slash >= 0) {
        String sub = slotText.substring(slash + 1);
        if (!SLOT.matcher(sub).matches()) {
          throw new InvalidAtomException(text, "'" + sub + "' is not a valid sub-slot name");
        }
        subSlot = Optional.of(sub);
      }
    }

    boolean glob = false;
    if (rest.endsWith("*")) {
      if (operator != Operator.EQUAL) {
        throw new InvalidAtomException(text, "a version glob (*) needs the = operator");
      }
      glob = true;
      rest = rest.substring(0, rest.length() - 1);
    }

    int slashAt = rest.indexOf('/');
    if (slashAt < 0 || rest.indexOf('/', slashAt + 1) >= 0) {
      throw new InvalidAtomException(text, "it must have the form category/package");
    }
    String category = rest.substring(0, slashAt);
    String packageAndVersion = rest.substring(slashAt + 1);
    if (!CATEGORY.matcher(category).matches()) {
      throw new InvalidAtomException(text, "'" + category + "' is not a valid category name");
    }

    String packageName;
    Optional<String> version;
    if (operator == Operator.NONE) {
      if (ENDS_IN_VERSION.matcher(packageAndVersion).matches()) {
        throw new InvalidAtomException(
            text,
            "it names a version without an operator; write ="
                + category
                + "/"
                + packageAndVersion
                + " for exactly that version");
      }
      packageName = packageAndVersion;
      version = Optional.empty();
    } else {
      Matcher split = PACKAGE_AND_VERSION.matcher(packageAndVersion);
      if (!split.matches()) {
        throw new InvalidAtomException(
            text,
            "the "
                + operator.symbol()
                + " operator needs a package name followed by a valid version, as in "
                + operator.symbol()
                + "sys-libs/glibc-2.38-r10; '"
                + packageAndVersion
                + "' does not end in one");
      }
      packageName = split.group(1);
      version = Optional.of(split.group(2));
      if (operator == Operator.APPROXIMATE) {
        Matcher revision = REVISION.matcher(version.get());
        // PMS numbers have no upper bound, so the revision is compared as text, not parsed.
        if (revision.matches() && !revision.group(1).matches("0+")) {
          throw new InvalidAtomException(text, "the ~ operator takes a version without a revision");
        }
      }
    }
    if (!PACKAGE.matcher(packageName).matches() || ENDS_IN_VERSION.matcher(packageName).matches()) {
      throw new InvalidAtomException(text, "'" + packageName + "' is not a valid package name");
    }
    return new Atom(operator, category, packageName, version, glob, slot, subSlot, repository);
  }

  /** True when the text is a version by PMS rules (with Prefix revisions), e.g. {@code 1.2_rc3-r1}. */
  public static boolean isVersion(String text) {
    return VERSION_PATTERN.matcher(text).matches();
  }

  /** {@code category/package}, the key build history is recorded under. */
  public String key() {
    return category + "/" + packageName;
  }

  /** {@code category/package-version}, or {@code category/package} when unversioned. */
  public String cpv() {
    return version.map(v -> key() + "-" + v).orElse(key());
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(operator.symbol()).append(cpv());
    if (versionGlob) {
      out.append('*');
    }
    slot.ifPresent(s -> out.append(':').append(s));
    subSlot.ifPresent(s -> out.append('/').append(s));
    repository.ifPresent(r -> out.append("::").append(r));
    return out.toString();
  }
}

package dev.buildswarm.coordinator.domain;

import dev.buildswarm.atom.Atom;
import dev.buildswarm.atom.InvalidAtomException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads build durations from a Portage {@code emerge.log}: a merge starts with {@code EPOCH:  >>>
 * emerge (I of N) CAT/PKG-VER to ROOT} and ends with {@code EPOCH:  ::: completed emerge (I of N)
 * CAT/PKG-VER to ROOT}. Starts are matched to completions by position and package (parallel jobs
 * overlap); a session that ends ({@code *** terminating}, {@code *** exiting unsuccessfully})
 * drops its unfinished starts, which were failures or interruptions. Pure; never throws on input.
 */
public final class EmergeLog {
  private static final Pattern START =
      Pattern.compile("^(\\d+):\\s+>>> emerge \\((\\d+) of (\\d+)\\) (\\S+) to \\S+");
  private static final Pattern DONE =
      Pattern.compile("^(\\d+):\\s+::: completed emerge \\((\\d+) of (\\d+)\\) (\\S+) to \\S+");
  private static final Pattern SESSION_END =
      Pattern.compile("^\\d+:\\s+\\*\\*\\* (terminating|exiting unsuccessfully)");

  /** A build longer than this is a clock jump or a mismatch, not a build. */
  private static final Duration LONGEST_BUILD = Duration.ofDays(3);

  private EmergeLog() {}

  /**
   * One completed build.
   *
   * @param key category/package, which history is recorded under
   * @param cpv category/package-version as logged
   * @param duration from start to completion
   */
  public record Build(String key, String cpv, Duration duration) {}

  /**
   * What a log held.
   *
   * @param builds completed builds, in the order they completed
   * @param skipped completions with no matching start, an unreadable atom, or an impossible time
   */
  public record Reading(List<Build> builds, int skipped) {
    public Reading {
      builds = List.copyOf(builds);
    }
  }

  public static Reading read(String text) {
    Map<String, Long> open = new HashMap<>();
    List<Build> builds = new ArrayList<>();
    int skipped = 0;
    for (String line : text.split("\n", -1)) {
      Matcher start = START.matcher(line);
      if (start.find()) {
        open.put(start.group(2) + "/" + start.group(3) + " " + start.group(4), parse(start.group(1)));
        continue;
      }
      Matcher done = DONE.matcher(line);
      if (done.find()) {
        Long began = open.remove(done.group(2) + "/" + done.group(3) + " " + done.group(4));
        long ended = parse(done.group(1));
        Build build = build(done.group(4), began, ended);
        if (build == null) {
          skipped++;
        } else {
          builds.add(build);
        }
        continue;
      }
      if (SESSION_END.matcher(line).find()) {
        open.clear();
      }
    }
    return new Reading(builds, skipped);
  }

  private static Build build(String cpv, Long began, long ended) {
    if (began == null || began < 0 || ended < began) {
      return null;
    }
    Duration took = Duration.ofSeconds(ended - began);
    if (took.compareTo(LONGEST_BUILD) > 0) {
      return null;
    }
    try {
      return new Build(Atom.parse("=" + cpv).key(), cpv, took);
    } catch (InvalidAtomException e) {
      return null;
    }
  }

  private static long parse(String epoch) {
    try {
      return Long.parseLong(epoch);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

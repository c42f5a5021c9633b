package dev.buildswarm.testredis;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code /metrics} answer (the Prometheus text format, version 0.0.4) as a scraper would,
 * for the tests of every daemon: refuses a malformed line or a sample without a {@code # TYPE} for
 * its family, and gives each sample's value by its series, e.g. {@code
 * buildswarm_queue_packages{state="done"}}. Here beside {@code @RealRedis} because this is the one
 * module of test support that every daemon's tests use.
 */
public final class PrometheusText {
  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*");
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)*})? "
              + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");
  private static final String[] SUFFIXES = {"_total", "_bucket", "_count", "_sum", "_created", "_max"};

  private PrometheusText() {}

  /**
   * Every sample by its series ({@code name} or {@code name{labels}} as printed).
   *
   * @throws IllegalArgumentException naming the first line a scraper would refuse
   */
  public static Map<String, Double> parse(String body) {
    Map<String, Double> samples = new LinkedHashMap<>();
    Set<String> typed = new HashSet<>();
    int n = 0;
    for (String line : body.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        typed.add(type.group(1));
        continue;
      }
      if (line.startsWith("#")) {
        if (!HELP.matcher(line).matches() && !line.startsWith("# EOF")) {
          throw new IllegalArgumentException("line " + n + " is neither HELP nor TYPE: " + line);
        }
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new IllegalArgumentException("line " + n + " is not a sample: " + line);
      }
      if (!typed.contains(family(sample.group(1), typed))) {
        throw new IllegalArgumentException("line " + n + ": no # TYPE before its family: " + line);
      }
      String series = sample.group(1) + (sample.group(2) == null ? "" : sample.group(2));
      if (samples.put(series, value(sample.group(3))) != null) {
        throw new IllegalArgumentException("line " + n + " repeats a series: " + line);
      }
    }
    return samples;
  }

  private static String family(String name, Set<String> typed) {
    if (typed.contains(name)) {
      return name;
    }
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix) && typed.contains(name.substring(0, name.length() - suffix.length()))) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  private static double value(String text) {
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** The value of one series; fails naming the series when the scrape has none. */
  public static double value(Map<String, Double> samples, String series) {
    Double v = samples.get(series);
    if (v == null) {
      throw new AssertionError("no series " + series + " in the scrape; it has " + samples.keySet());
    }
    return v;
  }
}

package dev.buildswarm.coordinator.domain;

/**
 * What a build's verdict (success or failure) did, and the drone's next package when one was
 * claimed for it in the same step.
 *
 * @param report the verdict's report: accepted (with its outcome) or refused
 * @param next the next package for the drone, or {@link Claim.Empty} when none was asked for or ready
 */
public record Verdict(Report report, Claim next) {
  public static Verdict of(Report report) {
    return new Verdict(report, new Claim.Empty());
  }
}

package dev.buildswarm.coordinator.domain;

import java.util.List;

/**
 * One page of a package listing.
 *
 * @param nextCursor the id to go on from; 0 when there is no more
 */
public record PackagePage(List<PackageSummary> packages, long nextCursor) {
  public PackagePage {
    packages = List.copyOf(packages);
  }
}

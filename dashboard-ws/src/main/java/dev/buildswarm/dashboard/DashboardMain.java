package dev.buildswarm.dashboard;

import io.micronaut.runtime.Micronaut;

/** Starts the dashboard: the page at {@code /}, snapshots at {@code /ws}. */
public final class DashboardMain {
  private DashboardMain() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(DashboardMain.class).banner(false).start();
  }
}

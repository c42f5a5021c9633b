package dev.buildswarm.dashboard;

import io.micronaut.runtime.Micronaut;

/** Starts the dashboard: the page at {@code /}, snapshots at {@code /ws}. */
public final class DashboardMain {
  /**
   * The Micronaut environment the dashboard's beans require: so that, inside the coordinator's
   * process, they stay out of the coordinator's own context (and the coordinator's out of theirs).
   */
  public static final String ENVIRONMENT = "dashboard";

  private DashboardMain() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(DashboardMain.class).environments(ENVIRONMENT).banner(false).start();
  }
}

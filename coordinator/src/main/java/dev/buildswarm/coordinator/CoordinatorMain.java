package dev.buildswarm.coordinator;

import io.micronaut.runtime.Micronaut;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Starts the coordinator: HTTP (health), gRPC (drones and operators), the lease reaper. */
public final class CoordinatorMain {
  private CoordinatorMain() {}

  public static void main(String[] args) {
    Micronaut.build(args).mainClass(CoordinatorMain.class).banner(false).start();
  }

  /** This build's version, from the filtered {@code version.properties}. */
  public static String version() {
    try (InputStream in = CoordinatorMain.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }
}

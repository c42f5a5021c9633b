package dev.buildswarm.drone.runner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One build process to run.
 *
 * @param argv the command, one element per argument (no shell)
 * @param environment variables added to the drone's own environment
 * @param workingDirectory where the process starts
 * @param timeout the whole build may take no longer
 */
public record BuildRequest(
    List<String> argv, Map<String, String> environment, Path workingDirectory, Duration timeout) {
  public BuildRequest {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
  }
}

package dev.buildswarm.singleinstance;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A stand-in daemon for {@code PidfileGuardIT}, run as a process of its own: takes the guard
 * (args: pidfile, {@code acquire} or {@code takeover}, grace in ms, optionally {@code stubborn}),
 * prints {@code HELD <pid>} and waits to be stopped. Like the daemons it releases the guard in a
 * shutdown hook; a stubborn one hangs in its hook instead, so that only SIGKILL ends it.
 */
public final class HoldPidfile {
  private HoldPidfile() {}

  public static void main(String[] args) throws Exception {
    Path pidfile = Path.of(args[0]);
    PidfileGuard guard;
    try {
      guard =
          args[1].equals("takeover")
              ? PidfileGuard.takeOver(pidfile, Duration.ofMillis(Long.parseLong(args[2])))
              : PidfileGuard.acquire(pidfile);
    } catch (AlreadyRunningException e) {
      System.out.println("REFUSED " + e.why() + " " + e.getMessage());
      System.out.flush();
      System.exit(PidfileGuard.EXIT_ALREADY_RUNNING);
      return;
    }
    if (args.length > 3 && args[3].equals("stubborn")) {
      Runtime.getRuntime().addShutdownHook(new Thread(HoldPidfile::sleepForever));
    } else {
      Runtime.getRuntime().addShutdownHook(new Thread(guard::close));
    }
    System.out.println("HELD " + guard.pid());
    System.out.flush();
    sleepForever();
  }

  private static void sleepForever() {
    while (true) {
      try {
        Thread.sleep(Duration.ofHours(1));
      } catch (InterruptedException e) {
        // Keep holding.
      }
    }
  }
}

package dev.buildswarm.singleinstance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Another live process holds the pidfile, so this one must not start. The message is written for
 * the operator who reads it on a terminal or in a service log: it names the pidfile, the holder's
 * pid and what to do. Immutable.
 */
public final class AlreadyRunningException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the guard was not taken. */
  public enum Why {
    /** A live process holds the pidfile and no takeover was asked for. */
    HELD,
    /** This very process (JVM) already holds the pidfile. */
    HELD_BY_THIS_PROCESS,
    /** A takeover was asked for, but another start that took over at the same time won. */
    TAKEN_OVER_BY_ANOTHER,
    /** The holder still held the pidfile after SIGTERM, the grace period and SIGKILL. */
    HOLDER_SURVIVED,
    /** The holder may not be signalled by this process (another user's, most likely). */
    NOT_PERMITTED
  }

  private final Why why;
  private final Path pidfile;
  private final OptionalLong holderPid;

  AlreadyRunningException(Why why, Path pidfile, OptionalLong holderPid, Duration grace) {
    super(message(why, pidfile, holderPid, grace));
    this.why = why;
    this.pidfile = pidfile;
    this.holderPid = holderPid;
  }

  public Why why() {
    return why;
  }

  public Path pidfile() {
    return pidfile;
  }

  /** The holder's pid as its pidfile says, if it says one. */
  public OptionalLong holderPid() {
    return holderPid;
  }

  private static String message(Why why, Path pidfile, OptionalLong holderPid, Duration grace) {
    String holder =
        holderPid.isPresent()
            ? "pid " + holderPid.getAsLong()
            : "a process that has not written its pid (it is starting or stopping)";
    return switch (why) {
      case HELD ->
          "another copy is running: "
              + holder
              + " holds the pidfile "
              + pidfile
              + ". Not starting a second copy. To replace it, start this one with --takeover: the holder"
              + " gets SIGTERM, then SIGKILL if it is still running after --takeover-grace.";
      case HELD_BY_THIS_PROCESS -> "this process already holds the pidfile " + pidfile + ".";
      case TAKEN_OVER_BY_ANOTHER ->
          "another start took over the pidfile "
              + pidfile
              + " first: "
              + holder
              + " holds it now. Not starting a second copy.";
      case HOLDER_SURVIVED ->
          holder
              + " still holds the pidfile "
              + pidfile
              + (holderPid.isPresent()
                  ? " after SIGTERM, " + PidfileGuard.readable(grace) + " of grace and SIGKILL."
                  : " after " + PidfileGuard.readable(grace) + " of grace and more (without its pid it"
                      + " cannot be signalled).")
              + " Not starting; find out what keeps it (a process stuck in the kernel, or a lock"
              + " held over a network file system).";
      case NOT_PERMITTED ->
          holder
              + " holds the pidfile "
              + pidfile
              + " and this process may not signal it (another user's process?). Stop it as its"
              + " owner, or run this one as that user.";
    };
  }
}

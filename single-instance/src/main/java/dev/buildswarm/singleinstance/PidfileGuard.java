package dev.buildswarm.singleinstance;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.buildswarm.singleinstance.AlreadyRunningException.Why;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pidfile guard: while a process holds it, no other process can, so a daemon started twice
 * (a restart, a redeploy, a script run again) refuses, or with a takeover replaces the old copy.
 *
 * <p>How it works. The holder keeps an exclusive OS lock ({@link FileChannel#tryLock()}, an
 * {@code fcntl} lock on Linux) on the pidfile for its whole life and writes its pid into it. The
 * lock is the liveness check: the kernel drops it when the process ends, however it ends (SIGKILL,
 * OOM kill, a crash), so a pidfile left behind is recognised as stale without trusting a pid
 * number, which the system may since have given to an unrelated process. Taking the lock is the
 * one atomic step; the pid in the file is only the answer to "who holds it?", for messages and for
 * the takeover's signals. The file itself is never deleted: deleting a lock file lets a process
 * that opened the old file and one that creates a new one both hold "the" lock.
 *
 * <p>A takeover sends SIGTERM to the holder, waits up to a grace period for the lock, sends
 * SIGKILL if the holder still runs, and waits for the lock again. Each start that asks for a
 * takeover signals at most the one holder it found, once: if another start gets the lock first
 * (several takeovers at once), this one gives up with {@link Why#TAKEN_OVER_BY_ANOTHER} rather
 * than fight on. So concurrent takeovers end with exactly one holder in bounded time, and the
 * kernel lock means two processes never hold the guard at the same moment.
 *
 * <p>The holder rewrites its pid and touches the file every {@link #REFRESH_EVERY}, so that
 * cleaners that remove old files from {@code /tmp} or {@code $XDG_RUNTIME_DIR} leave it alone;
 * should the file disappear all the same, the holder creates and locks it again.
 *
 * <p>The process that holds the guard must not open the pidfile a second time: on POSIX systems
 * closing any descriptor of a file drops every lock the process holds on it. The guard never does,
 * and a second guard on the same path in the same JVM is refused without opening the file.
 *
 * <p>Thread-safe: {@link #close()}, {@link #clearPid()} and the refresh synchronise on the guard.
 */
public final class PidfileGuard implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PidfileGuard.class.getName());

  /**
   * The exit code of a daemon that did not start because another copy holds its pidfile: 75,
   * {@code EX_TEMPFAIL} of {@code sysexits.h}, as the same start may succeed once the holder has
   * gone.
   */
  public static final int EXIT_ALREADY_RUNNING = 75;

  /**
   * How often the holder rewrites its pid and touches the file. File cleaners go by age: the XDG
   * spec lets a runtime directory lose files not accessed for 6 hours, systemd-tmpfiles clears
   * {@code /tmp} of files untouched for 10 days by default; drones run for months.
   */
  static final Duration REFRESH_EVERY = Duration.ofHours(1);

  /** How long a takeover waits for the lock after SIGKILL before it gives up. */
  static final Duration AFTER_KILL = Duration.ofSeconds(10);

  /** How long to wait for a holder that has the lock but has not written its pid yet. */
  private static final Duration PID_READ_PATIENCE = Duration.ofSeconds(1);

  private static final Duration POLL = Duration.ofMillis(50);

  private static final FileAttribute<?> RW_R_R =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  /** Pidfiles this JVM holds, by real path; see the class comment on opening a pidfile twice. */
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path pidfile;
  private final Path heldKey;
  private final long pid;
  private final Thread refresher;

  private FileChannel channel; // guarded by this; null once closed
  private Object fileKey; // guarded by this; the locked file's identity, to notice it replaced

  private PidfileGuard(Path pidfile, Path heldKey, FileChannel channel, Object fileKey) {
    this.pidfile = pidfile;
    this.heldKey = heldKey;
    this.pid = ProcessHandle.current().pid();
    this.channel = channel;
    this.fileKey = fileKey;
    this.refresher = Thread.ofVirtual().name("pidfile-refresh").unstarted(this::refreshLoop);
  }

  /**
   * Takes the guard if no live process holds it (a stale pidfile is taken over silently).
   *
   * @throws AlreadyRunningException a live process holds it ({@link Why#HELD})
   * @throws IOException the pidfile cannot be created, opened or written
   */
  public static PidfileGuard acquire(Path pidfile) throws AlreadyRunningException, IOException {
    try {
      return take(pidfile, Optional.empty());
    } catch (InterruptedException e) {
      // Not reached: only a takeover waits.
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while taking " + pidfile, e);
    }
  }

  /**
   * A daemon's first step: the guard, taken over from a running holder when {@code takeover} is
   * set (waiting up to {@code grace}), else refused while another holds it.
   *
   * @param program how a refusal names the daemon ({@code buildswarm-drone builder-07})
   * @throws NotStarted saying, as it should be printed, why {@code program} did not start
   */
  public static PidfileGuard forDaemon(String program, Path pidfile, boolean takeover, Duration grace)
      throws NotStarted, InterruptedException {
    try {
      return takeover ? takeOver(pidfile, grace) : acquire(pidfile);
    } catch (AlreadyRunningException e) {
      throw new NotStarted(program + " NOT STARTED: " + e.getMessage(), EXIT_ALREADY_RUNNING);
    } catch (IOException e) {
      throw new NotStarted(program + " NOT STARTED: cannot use the pidfile " + pidfile + ": " + e, 1);
    }
  }

  /** Why a daemon did not start (its message is what to print) and the exit code it ends with. */
  public static final class NotStarted extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    NotStarted(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  /**
   * Takes the guard, ending a live holder first: SIGTERM, up to {@code grace} for it to exit,
   * then SIGKILL. Returns once this process holds the guard.
   *
   * @throws AlreadyRunningException another takeover won, the holder survived SIGKILL, or it may
   *     not be signalled
   * @throws IOException the pidfile cannot be created, opened or written
   * @throws InterruptedException interrupted while waiting for the holder
   */
  public static PidfileGuard takeOver(Path pidfile, Duration grace)
      throws AlreadyRunningException, IOException, InterruptedException {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("takeover grace must not be negative, got " + grace);
    }
    return take(pidfile, Optional.of(grace));
  }

  /** This process's pid, as written in the pidfile. */
  public long pid() {
    return pid;
  }

  public Path pidfile() {
    return pidfile;
  }

  /**
   * Empties the pidfile but keeps the lock, which the kernel drops when the process ends. For a
   * shutdown hook that may run while other hooks still close ports: a successor must not get the
   * guard (and start binding) before this process has really gone.
   */
  public synchronized void clearPid() {
    if (channel == null) {
      return;
    }
    try {
      channel.truncate(0);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "could not empty the pidfile " + pidfile + ": " + e.getMessage());
    }
  }

  /** Empties the pidfile and releases the guard. */
  @Override
  public void close() {
    refresher.interrupt();
    synchronized (this) {
      if (channel == null) {
        return;
      }
      clearPid();
      try {
        // Closing the channel releases the lock.
        channel.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "could not close the pidfile " + pidfile + ": " + e.getMessage());
      }
      channel = null;
      HELD_HERE.remove(heldKey);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static PidfileGuard take(Path requested, Optional<Duration> takeover)
      throws AlreadyRunningException, IOException, InterruptedException {
    Path pidfile = requested.toAbsolutePath().normalize();
    Path parent = pidfile.getParent();
    Files.createDirectories(parent);
    Path heldKey = parent.toRealPath().resolve(pidfile.getFileName());
    Duration grace = takeover.orElse(Duration.ZERO);
    if (!HELD_HERE.add(heldKey)) {
      throw new AlreadyRunningException(
          Why.HELD_BY_THIS_PROCESS, pidfile, OptionalLong.of(ProcessHandle.current().pid()), grace);
    }
    FileChannel channel = null;
    try {
      channel = open(pidfile);
      lockOrThrow(channel, pidfile, takeover);
      writePid(channel, ProcessHandle.current().pid());
      PidfileGuard guard = new PidfileGuard(pidfile, heldKey, channel, fileKeyOf(pidfile));
      guard.refresher.start();
      return guard;
    } catch (AlreadyRunningException | IOException | InterruptedException | RuntimeException e) {
      if (channel != null) {
        // This process holds no lock on the file, so closing cannot drop one.
        channel.close();
      }
      HELD_HERE.remove(heldKey);
      throw e;
    }
  }

  /**
   * Returns once {@code channel} holds the lock, or throws. Without a takeover it refuses at once
   * when a live process holds the lock.
   */
  private static void lockOrThrow(FileChannel channel, Path pidfile, Optional<Duration> takeover)
      throws IOException, AlreadyRunningException, InterruptedException {
    if (tryLock(channel)) {
      return;
    }
    Duration grace = takeover.orElse(Duration.ZERO);
    OptionalLong holderPid;
    switch (findHolder(channel)) {
      case Holder.Free() -> {
        return; // it exited while we looked
      }
      case Holder.Pid(OptionalLong pid) -> holderPid = pid;
    }
    if (takeover.isEmpty()) {
      throw new AlreadyRunningException(Why.HELD, pidfile, holderPid, grace);
    }
    if (holderPid.isEmpty()) {
      // Locked but no pid: a holder that is just starting or stopping (it empties the file on
      // the way out). Nothing to signal; wait for the lock as if the signal had been sent.
      LOG.log(
          Level.WARNING,
          "the pidfile " + pidfile + " is locked by a process that wrote no pid; waiting up to "
              + readable(grace) + " for it to exit");
      awaitLockOrThrow(channel, pidfile, OptionalLong.empty(), grace, Optional.empty());
      return;
    }
    long target = holderPid.getAsLong();
    Optional<ProcessHandle> handle = ProcessHandle.of(target);
    if (handle.isPresent() && handle.get().pid() == ProcessHandle.current().pid()) {
      throw new AlreadyRunningException(Why.HELD_BY_THIS_PROCESS, pidfile, holderPid, grace);
    }
    if (handle.isPresent()) {
      // A ProcessHandle remembers the process's start time and will not signal a later process
      // that reuses the pid.
      LOG.log(
          Level.WARNING,
          "taking over " + pidfile + ": SIGTERM to pid " + target + ", SIGKILL after "
              + readable(grace) + " if it still runs");
      if (!handle.get().destroy() && handle.get().isAlive()) {
        throw new AlreadyRunningException(Why.NOT_PERMITTED, pidfile, holderPid, grace);
      }
    }
    awaitLockOrThrow(channel, pidfile, holderPid, grace, handle);
  }

  /** Waits for the lock: the grace period, then (if the holder still runs) SIGKILL and a little more. */
  private static void awaitLockOrThrow(
      FileChannel channel, Path pidfile, OptionalLong target, Duration grace, Optional<ProcessHandle> holder)
      throws IOException, AlreadyRunningException, InterruptedException {
    switch (awaitLock(channel, target, grace)) {
      case Wait.Locked() -> {
        return;
      }
      case Wait.OtherHolder(long other) ->
          throw new AlreadyRunningException(Why.TAKEN_OVER_BY_ANOTHER, pidfile, OptionalLong.of(other), grace);
      case Wait.TimedOut() -> {
        if (holder.isPresent() && holder.get().isAlive()) {
          LOG.log(Level.WARNING, "pid " + target.getAsLong() + " still runs after " + readable(grace) + ": SIGKILL");
          if (!holder.get().destroyForcibly() && holder.get().isAlive()) {
            throw new AlreadyRunningException(Why.NOT_PERMITTED, pidfile, target, grace);
          }
        }
      }
    }
    switch (awaitLock(channel, target, AFTER_KILL)) {
      case Wait.Locked() -> {
        return;
      }
      case Wait.OtherHolder(long other) ->
          throw new AlreadyRunningException(Why.TAKEN_OVER_BY_ANOTHER, pidfile, OptionalLong.of(other), grace);
      case Wait.TimedOut() -> throw new AlreadyRunningException(Why.HOLDER_SURVIVED, pidfile, target, grace);
    }
  }

  private sealed interface Wait {
    record Locked() implements Wait {}

    /** Someone other than the holder we targeted has the lock now: another takeover won. */
    record OtherHolder(long pid) implements Wait {}

    record TimedOut() implements Wait {}
  }

  private static Wait awaitLock(FileChannel channel, OptionalLong target, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (tryLock(channel)) {
        return new Wait.Locked();
      }
      OptionalLong now = readPid(channel);
      if (now.isPresent() && (target.isEmpty() || now.getAsLong() != target.getAsLong())) {
        return new Wait.OtherHolder(now.getAsLong());
      }
      if (System.nanoTime() - deadline >= 0) {
        return new Wait.TimedOut();
      }
      Thread.sleep(POLL);
    }
  }

  private sealed interface Holder {
    record Free() implements Holder {}

    record Pid(OptionalLong pid) implements Holder {}
  }

  /**
   * Who holds the lock: a pid read twice in a row while the lock stayed taken (a holder that has
   * just taken the lock may not have replaced a dead holder's pid yet), or no pid after waiting
   * {@link #PID_READ_PATIENCE}, or free if the lock came free meanwhile.
   */
  private static Holder findHolder(FileChannel channel) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + PID_READ_PATIENCE.toNanos();
    OptionalLong previous = OptionalLong.empty();
    while (true) {
      OptionalLong now = readPid(channel);
      if (tryLock(channel)) {
        return new Holder.Free();
      }
      if (now.isPresent() && now.equals(previous)) {
        return new Holder.Pid(now);
      }
      if (System.nanoTime() - deadline >= 0) {
        return new Holder.Pid(OptionalLong.empty());
      }
      previous = now;
      Thread.sleep(POLL);
    }
  }

  private static boolean tryLock(FileChannel channel) throws IOException {
    try {
      FileLock lock = channel.tryLock();
      return lock != null;
    } catch (OverlappingFileLockException e) {
      // Held in this JVM through another channel; HELD_HERE normally stops that earlier.
      return false;
    }
  }

  private static FileChannel open(Path pidfile) throws IOException {
    Set<OpenOption> options =
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    try {
      return FileChannel.open(pidfile, options, RW_R_R);
    } catch (UnsupportedOperationException e) {
      // A file system without POSIX permissions.
      return FileChannel.open(pidfile, options);
    } catch (IOException e) {
      // NOFOLLOW_LINKS refuses a link (ELOOP); say so plainly, as a link here may be an attack.
      if (Files.isSymbolicLink(pidfile)) {
        throw new FileSystemException(pidfile.toString(), null, "the pidfile is a symbolic link; refusing to follow it");
      }
      throw e;
    }
  }

  /**
   * The pid in the file, if it holds one whole line of digits. The pid is written before the
   * file is cut to its length, so a line is only complete once its newline is there.
   */
  private static OptionalLong readPid(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(32);
    int read = channel.read(buffer, 0);
    if (read <= 0) {
      return OptionalLong.empty();
    }
    String text = new String(buffer.array(), 0, read, US_ASCII);
    int newline = text.indexOf('\n');
    if (newline < 1) {
      return OptionalLong.empty();
    }
    try {
      long pid = Long.parseLong(text.substring(0, newline).trim());
      return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static void writePid(FileChannel channel, long pid) throws IOException {
    ByteBuffer line = ByteBuffer.wrap((pid + "\n").getBytes(US_ASCII));
    int length = line.remaining();
    int at = 0;
    while (line.hasRemaining()) {
      at += channel.write(line, at);
    }
    // Written first, cut after: a reader sees a whole line, old or new, never a part.
    channel.truncate(length);
    channel.force(false);
  }

  private static Object fileKeyOf(Path pidfile) throws IOException {
    return Files.readAttributes(pidfile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  private void refreshLoop() {
    try {
      while (true) {
        Thread.sleep(REFRESH_EVERY);
        refresh();
      }
    } catch (InterruptedException e) {
      // Closed.
    }
  }

  /**
   * Rewrites the pid, sets the file's access and modification times to now (which keeps file
   * cleaners away) and, if the path no longer names the locked file, creates and locks it again.
   */
  synchronized void refresh() {
    if (channel == null) {
      return;
    }
    try {
      writePid(channel, pid);
      Object now;
      try {
        now = fileKeyOf(pidfile);
      } catch (NoSuchFileException e) {
        now = null;
      }
      // Without file keys (not on Linux) only a removed file can be told apart.
      boolean same = fileKey == null ? Files.exists(pidfile, LinkOption.NOFOLLOW_LINKS) : fileKey.equals(now);
      if (same) {
        // By path, without opening the file (see the class comment).
        FileTime time = FileTime.from(Instant.now());
        Files.getFileAttributeView(pidfile, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setTimes(time, time, null);
        return;
      }
      LOG.log(
          Level.WARNING,
          "the pidfile " + pidfile + " was removed or replaced while this process held it; taking it again");
      FileChannel fresh = open(pidfile);
      if (!tryLock(fresh)) {
        OptionalLong other = readPid(fresh);
        fresh.close();
        LOG.log(
            Level.ERROR,
            "the pidfile " + pidfile + " is now held by "
                + (other.isPresent() ? "pid " + other.getAsLong() : "another process")
                + ": two copies may be running");
        return;
      }
      writePid(fresh, pid);
      // The old channel is on the old file, so closing it drops only that file's lock.
      channel.close();
      channel = fresh;
      fileKey = fileKeyOf(pidfile);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "could not refresh the pidfile " + pidfile + ": " + e.getMessage());
    }
  }

  /** {@code 45 s}, {@code 500 ms}. */
  static String readable(Duration duration) {
    long ms = duration.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}

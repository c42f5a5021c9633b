package dev.buildswarm.coordinator.binhost;

import dev.buildswarm.coordinator.domain.Artifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes uploaded binary packages into the binhost directory: each file to a temporary name,
 * checked against its size and sha256, fsynced, then renamed into {@code <category>/<file>} only
 * when every file of the upload is whole. A bounded number of uploads write at once (lesson 7); an
 * upload is refused when the disk is nearly full. Thread-safe; one {@link Upload} per stream.
 */
public final class ArtifactStore {
  private final Path root;
  private final Semaphore writers;
  private final long minFreeBytes;
  private final AtomicInteger writing = new AtomicInteger();
  private final AtomicInteger peakWriting = new AtomicInteger();

  /**
   * @param root the binhost directory (created if missing)
   * @param maxConcurrentUploads uploads written at once; more wait their turn
   * @param minFreeBytes free space below which uploads are refused
   */
  public ArtifactStore(Path root, int maxConcurrentUploads, long minFreeBytes) {
    if (maxConcurrentUploads < 1) {
      throw new IllegalArgumentException("max concurrent uploads must be at least 1, got " + maxConcurrentUploads);
    }
    this.root = root.toAbsolutePath().normalize();
    this.writers = new Semaphore(maxConcurrentUploads, true);
    this.minFreeBytes = minFreeBytes;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the binhost directory " + this.root, e);
    }
  }

  public Path root() {
    return root;
  }

  /** The most uploads that were being written at the same moment, since start. */
  public int peakConcurrentUploads() {
    return peakWriting.get();
  }

  /**
   * Starts an upload of these files; waits (up to {@code wait}) for a writer's turn.
   *
   * @throws UploadRefused when the disk is nearly full or no turn came in time
   */
  public Upload begin(List<Artifact> files, java.time.Duration wait) throws InterruptedException {
    if (files.isEmpty()) {
      throw new UploadRefused("an upload names no files");
    }
    long needed = files.stream().mapToLong(Artifact::size).sum();
    long free = root.toFile().getUsableSpace();
    if (free - needed < minFreeBytes) {
      throw new UploadRefused(
          "binhost " + root + " has " + free / (1 << 20) + " MiB free; an upload of " + needed / (1 << 20)
              + " MiB would leave less than the " + minFreeBytes / (1 << 20) + " MiB kept free");
    }
    if (!writers.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new UploadRefused("too many uploads at once; try again");
    }
    int now = writing.incrementAndGet();
    peakWriting.accumulateAndGet(now, Math::max);
    return new Upload(List.copyOf(files));
  }

  /** Why an upload was not taken. */
  public static final class UploadRefused extends RuntimeException {
    public UploadRefused(String message) {
      super(message);
    }
  }

  /** One upload: files in order, each one's bytes, then {@link #finish} or {@link #abort}. */
  public final class Upload implements AutoCloseable {
    private final List<Artifact> files;
    private final List<Path> temps = new ArrayList<>();
    private int current = -1;
    private long written;
    private FileChannel out;
    private MessageDigest digest;
    private boolean over;

    private Upload(List<Artifact> files) {
      this.files = files;
    }

    /** The next bytes: of the current file, moving on to the next when the current is full. */
    public void write(ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        if (out == null || written == files.get(current).size()) {
          next();
        }
        long room = files.get(current).size() - written;
        ByteBuffer slice = bytes.slice();
        if (slice.remaining() > room) {
          slice.limit((int) room);
        }
        digest.update(slice.duplicate());
        int n = slice.remaining();
        while (slice.hasRemaining()) {
          out.write(slice);
        }
        bytes.position(bytes.position() + n);
        written += n;
      }
    }

    private void next() throws IOException {
      if (out != null) {
        seal();
      }
      current++;
      if (current >= files.size()) {
        throw new UploadRefused("more bytes than the " + files.size() + " files announced");
      }
      Artifact file = files.get(current);
      Path dir = root.resolve(file.category());
      Files.createDirectories(dir);
      if (Files.isSymbolicLink(dir) || !dir.toRealPath().startsWith(root.toRealPath())) {
        throw new UploadRefused("binhost category " + file.category() + " is not a plain directory");
      }
      Path temp = dir.resolve("." + UUID.randomUUID() + ".partial");
      temps.add(temp);
      out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      written = 0;
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      if (file.size() == 0) {
        seal();
      }
    }

    /** Checks the current file against its size and checksum and makes it durable. */
    private void seal() throws IOException {
      Artifact file = files.get(current);
      String sha = HexFormat.of().formatHex(digest.digest());
      out.force(true);
      out.close();
      out = null;
      if (written != file.size()) {
        throw new ChecksumMismatch(file.name() + ": " + written + " bytes received, " + file.size() + " announced");
      }
      if (!sha.equals(file.sha256())) {
        throw new ChecksumMismatch(file.name() + ": sha256 " + sha + " received, " + file.sha256() + " announced");
      }
    }

    /**
     * Every file arrived whole: renames them into place (replacing an older copy of the same name,
     * atomically) and returns them.
     */
    public List<Artifact> finish() throws IOException {
      while (current < files.size() - 1 || out != null) {
        if (out != null && written == files.get(current).size()) {
          seal();
        } else if (out == null && current < files.size() - 1) {
          next();
        } else {
          throw new ChecksumMismatch(files.get(current).name() + ": the upload ended after " + written + " of "
              + files.get(current).size() + " bytes");
        }
      }
      for (int i = 0; i < files.size(); i++) {
        Path target = root.resolve(files.get(i).name());
        if (Files.isSymbolicLink(target) || (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS))) {
          throw new UploadRefused(files.get(i).name() + " exists in the binhost and is not a plain file");
        }
        Files.move(temps.get(i), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      temps.clear();
      fsyncDirectories();
      return files;
    }

    private void fsyncDirectories() {
      for (String category : files.stream().map(Artifact::category).distinct().toList()) {
        try (FileChannel dir = FileChannel.open(root.resolve(category), StandardOpenOption.READ)) {
          dir.force(true);
        } catch (IOException e) {
          // Not every file system lets a directory be opened for sync; the files themselves are.
        }
      }
    }

    /** Ends the upload: removes whatever was not renamed into place, frees the writer's turn. */
    @Override
    public void close() {
      if (over) {
        return;
      }
      over = true;
      try {
        if (out != null) {
          out.close();
        }
      } catch (IOException ignored) {
        // Deleted below.
      }
      for (Path temp : temps) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // Nothing more to do; a leftover .partial is never served (dot file).
        }
      }
      writing.decrementAndGet();
      writers.release();
    }
  }

  /** Bytes that do not match what was announced. */
  public static final class ChecksumMismatch extends IOException {
    public ChecksumMismatch(String message) {
      super(message);
    }
  }
}

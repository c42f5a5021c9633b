package dev.buildswarm.drone.runner;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Bounds the log one build streams: every line is cut at {@link #maxLineBytes()} bytes (UTF-8)
 * and marked {@value #LINE_CUT}, and once the build's streamed lines would pass {@link
 * #maxBytes()} bytes no more lines are streamed; exactly one marker line says so instead. The
 * result's log tail is kept apart from this (by {@link BuildProcess}) and still sees every line.
 *
 * <p>Bytes are counted as streamed: each line after cutting, in UTF-8, plus one for its newline.
 * The byte budget is never passed by build output; the one truncation marker comes on top of it.
 *
 * <p>Not thread-safe: one instance per build, used by the one thread that reads its output.
 */
public final class LogLimit {
  public static final int DEFAULT_MAX_LINE_BYTES = 4 * 1024;
  public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
  /** Appended to a line that was cut. */
  public static final String LINE_CUT = " [line cut]";

  private final int maxLineBytes;
  private final long maxBytes;
  private long streamedBytes;
  private boolean truncated;

  /**
   * @param maxLineBytes longest line streamed, in UTF-8 bytes, before the cut marker
   * @param maxBytes most bytes of output one build streams
   */
  public LogLimit(int maxLineBytes, long maxBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maximum line length must be at least 1 byte, got " + maxLineBytes);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("log budget must be at least 1 byte, got " + maxBytes);
    }
    this.maxLineBytes = maxLineBytes;
    this.maxBytes = maxBytes;
  }

  /** 4 KiB lines, 8 MiB per build. */
  public static LogLimit defaults() {
    return new LogLimit(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_BYTES);
  }

  public int maxLineBytes() {
    return maxLineBytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Bytes streamed so far, the truncation marker not counted. */
  public long streamedBytes() {
    return streamedBytes;
  }

  /** Whether the budget has run out (and the marker been handed out). */
  public boolean truncated() {
    return truncated;
  }

  /**
   * What to stream for the next line of output: the line (cut if too long), the one truncation
   * marker when this line would pass the budget, or nothing once the marker has been handed out.
   */
  public Optional<String> admit(String line) {
    if (truncated) {
      return Optional.empty();
    }
    String kept = cut(line, maxLineBytes);
    long bytes = utf8Length(kept) + 1L;
    if (bytes > maxBytes - streamedBytes) {
      truncated = true;
      return Optional.of(truncationMarker());
    }
    streamedBytes += bytes;
    return Optional.of(kept);
  }

  /** A consumer that passes what {@link #admit} lets through on to {@code downstream}. */
  public Consumer<String> limiting(Consumer<String> downstream) {
    return line -> admit(line).ifPresent(downstream);
  }

  /** The line streamed in place of everything after the budget ran out. */
  public String truncationMarker() {
    return "[buildswarm: output truncated after "
        + maxBytes
        + " bytes; the last "
        + BuildProcess.TAIL_LINES
        + " lines are kept with the result]";
  }

  /**
   * {@code line} if it fits in {@code maxBytes} bytes of UTF-8, else its longest prefix of whole
   * characters that fits, followed by {@link #LINE_CUT}.
   */
  static String cut(String line, int maxBytes) {
    int bytes = 0;
    for (int i = 0; i < line.length(); ) {
      int codePoint = line.codePointAt(i);
      int width = utf8Width(codePoint);
      if (bytes + width > maxBytes) {
        return line.substring(0, i) + LINE_CUT;
      }
      bytes += width;
      i += Character.charCount(codePoint);
    }
    return line;
  }

  static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      bytes += utf8Width(codePoint);
      i += Character.charCount(codePoint);
    }
    return bytes;
  }

  /** A lone surrogate is encoded as '?' by Java's UTF-8 encoder: one byte. */
  private static int utf8Width(int codePoint) {
    if (codePoint < 0x80) {
      return 1;
    }
    if (codePoint < 0x800) {
      return 2;
    }
    if (Character.isSurrogate((char) codePoint) && codePoint < 0x10000) {
      return 1;
    }
    return codePoint < 0x10000 ? 3 : 4;
  }
}

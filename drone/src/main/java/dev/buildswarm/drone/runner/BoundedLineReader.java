package dev.buildswarm.drone.runner;

import java.io.IOException;
import java.io.Reader;

/**
 * Splits a build's output into lines like {@link java.io.BufferedReader#readLine} (ended by
 * {@code \n}, {@code \r} or {@code \r\n}), but holds at most {@code maxChars} characters of one
 * line: the rest of a longer line is read and dropped, and the line ends in {@link
 * LogLimit#LINE_CUT}. A build that prints gigabytes without a newline cannot exhaust the drone's
 * memory.
 *
 * <p>Not thread-safe: confined to the thread that reads one build's output.
 */
final class BoundedLineReader {
  private final Reader in;
  private final int maxChars;
  private final char[] buffer = new char[8192];
  private int position;
  private int end;
  /** The last line ended in '\r': a '\n' right after it belongs to that line. */
  private boolean skipNewline;

  BoundedLineReader(Reader in, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be at least 1, got " + maxChars);
    }
    this.in = in;
    this.maxChars = maxChars;
  }

  /** The next line without its terminator, or null at the end of the output. */
  String readLine() throws IOException {
    StringBuilder line = null;
    boolean cut = false;
    while (true) {
      if (position >= end) {
        int read = in.read(buffer, 0, buffer.length);
        if (read < 0) {
          return line == null ? null : finish(line, cut);
        }
        position = 0;
        end = read;
        continue;
      }
      if (skipNewline) {
        skipNewline = false;
        if (buffer[position] == '\n') {
          position++;
          continue;
        }
      }
      if (line == null) {
        line = new StringBuilder();
      }
      int start = position;
      while (position < end && buffer[position] != '\n' && buffer[position] != '\r') {
        position++;
      }
      int room = maxChars - line.length();
      int length = position - start;
      line.append(buffer, start, Math.min(room, length));
      cut |= length > room;
      if (position < end) {
        skipNewline = buffer[position] == '\r';
        position++;
        return finish(line, cut);
      }
    }
  }

  private static String finish(StringBuilder line, boolean cut) {
    if (!cut) {
      return line.toString();
    }
    if (line.length() > 0 && Character.isHighSurrogate(line.charAt(line.length() - 1))) {
      line.setLength(line.length() - 1); // the cut split a character in two
    }
    return line.append(LogLimit.LINE_CUT).toString();
  }
}

package dev.buildswarm.drone.runner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogLimitTest {

  @Test
  void aShortLinePassesUnchangedAndALineAtTheLimitIsNotCut() {
    LogLimit limit = new LogLimit(8, 1_000);
    assertEquals(Optional.of("make -j8"), limit.admit("make -j8"));
    assertEquals(Optional.of(""), limit.admit(""));
    assertEquals(9 + 1, limit.streamedBytes());
  }

  @Test
  void aLongLineIsCutAtTheLimitAndMarked() {
    LogLimit limit = LogLimit.defaults();
    String line = "x".repeat(10_000);
    String streamed = limit.admit(line).orElseThrow();
    assertEquals("x".repeat(LogLimit.DEFAULT_MAX_LINE_BYTES) + LogLimit.LINE_CUT, streamed);
    assertEquals(streamed.length() + 1, limit.streamedBytes());
  }

  @Test
  void aCutNeverSplitsACharacter() {
    // U+00E9 is 2 bytes and U+1F980 4 in UTF-8: a 7-byte limit holds three of the first, or one of
    // the second and nothing more.
    assertEquals("\u00e9\u00e9\u00e9" + LogLimit.LINE_CUT, LogLimit.cut("\u00e9\u00e9\u00e9\u00e9", 7));
    assertEquals("\uD83E\uDD80" + LogLimit.LINE_CUT, LogLimit.cut("\uD83E\uDD80\uD83E\uDD80", 7));
    String cut = LogLimit.cut("\u00e9".repeat(5_000), LogLimit.DEFAULT_MAX_LINE_BYTES);
    String kept = cut.substring(0, cut.length() - LogLimit.LINE_CUT.length());
    assertEquals(LogLimit.DEFAULT_MAX_LINE_BYTES, kept.getBytes(UTF_8).length);
    assertEquals(kept.getBytes(UTF_8).length, LogLimit.utf8Length(kept));
  }

  @Test
  void theBudgetIsNeverPassedAndExactlyOneMarkerIsStreamed() {
    LogLimit limit = new LogLimit(4_096, 1_000);
    List<String> streamed = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      limit.admit("line %04d".formatted(i)).ifPresent(streamed::add); // 9 bytes + newline
    }
    String marker = limit.truncationMarker();
    assertEquals(
        "[buildswarm: output truncated after 1000 bytes; the last 40 lines are kept with the result]",
        marker);
    assertEquals(101, streamed.size(), "100 lines of 10 bytes fill the budget, then the marker");
    assertEquals(marker, streamed.get(100));
    assertEquals(1, streamed.stream().filter(marker::equals).count());
    long bytes =
        streamed.subList(0, 100).stream().mapToLong(l -> l.getBytes(UTF_8).length + 1L).sum();
    assertEquals(1_000, bytes);
    assertEquals(1_000, limit.streamedBytes());
    assertTrue(limit.truncated());
  }

  @Test
  void aLineThatWouldPassTheBudgetIsNotStreamedEvenInPart() {
    LogLimit limit = new LogLimit(4_096, 100);
    assertEquals(Optional.of("a".repeat(50)), limit.admit("a".repeat(50)));
    assertEquals(Optional.of(limit.truncationMarker()), limit.admit("b".repeat(60)));
    assertEquals(Optional.empty(), limit.admit("c"), "nothing after the marker, however short");
    assertEquals(51, limit.streamedBytes());
  }

  @Test
  void theLimitingConsumerPassesOnWhatTheLimitAdmits() {
    List<String> downstream = new ArrayList<>();
    var consumer = new LogLimit(4, 12).limiting(downstream::add);
    for (String line : List.of("ab", "abcdef", "x", "y")) {
      consumer.accept(line);
    }
    // "ab" 3 bytes, "abcd [line cut]" 16 > 12-3 left: marker; then nothing.
    assertEquals(List.of("ab", new LogLimit(4, 12).truncationMarker()), downstream);
  }

  @Test
  void nonsenseLimitsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LogLimit(0, 100));
    assertThrows(IllegalArgumentException.class, () -> new LogLimit(10, 0));
  }

  @Test
  void theLineReaderSplitsLikeReadLineAndHoldsNoMoreThanItsLimit() throws IOException {
    String output = "one\ntwo\r\nthree\rfour\n\n" + "z".repeat(50) + "\nlast";
    BoundedLineReader reader = new BoundedLineReader(new StringReader(output), 10);
    List<String> lines = new ArrayList<>();
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      lines.add(line);
    }
    assertEquals(
        List.of("one", "two", "three", "four", "", "z".repeat(10) + LogLimit.LINE_CUT, "last"),
        lines);
  }

  @Test
  void theLineReaderCutsALineLongerThanItsBufferAndReadsOn() throws IOException {
    String output = "y".repeat(100_000) + "\r\nafter\n";
    BoundedLineReader reader = new BoundedLineReader(new StringReader(output), 1_000);
    assertEquals("y".repeat(1_000) + LogLimit.LINE_CUT, reader.readLine());
    assertEquals("after", reader.readLine());
    assertEquals(null, reader.readLine());
  }
}

package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmergeLogTest {

  private static String sharedLog(String name) throws IOException {
    return SharedData.read(name);
  }

  @Test
  void startsAreMatchedToCompletionsEvenWhenJobsOverlap() {
    String log =
        String.join(
            "\n",
            "1000:  >>> emerge (1 of 2) dev-libs/a-1 to /",
            "1010:  >>> emerge (2 of 2) dev-libs/b-2 to /",
            "1100:  ::: completed emerge (2 of 2) dev-libs/b-2 to /",
            "1300:  ::: completed emerge (1 of 2) dev-libs/a-1 to /",
            "2000:  >>> emerge (1 of 1) dev-libs/c-1 to /",
            "2050:  *** terminating.",
            "2100:  ::: completed emerge (1 of 1) dev-libs/c-1 to /");
    EmergeLog.Reading reading = EmergeLog.read(log);
    assertEquals(
        List.of(
            new EmergeLog.Build("dev-libs/b", "dev-libs/b-2", Duration.ofSeconds(90)),
            new EmergeLog.Build("dev-libs/a", "dev-libs/a-1", Duration.ofSeconds(300))),
        reading.builds());
    assertEquals(1, reading.skipped(), "a completion after its session ended has no start");
  }

  @Test
  void garbageNeverThrows() {
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      StringBuilder text = new StringBuilder();
      for (int j = 0; j < 60; j++) {
        text.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : "0123456789:>()\n".charAt(random.nextInt(15))));
      }
      EmergeLog.read(text.toString());
    }
    EmergeLog.read("99999999999999999999999:  >>> emerge (1 of 1) a/b-1 to /\n1:  ::: completed emerge (1 of 1) a/b-1 to /");
  }

  @Test
  void aRealStage3BringUpLogGivesGccsFourBuilds() throws IOException {
    EmergeLog.Reading reading = EmergeLog.read(sharedLog("emerge_log_hoeding_gentoo_apu.log"));
    assertEquals(166, reading.builds().size(), "shared/data/README.md: 166 completed");
    List<EmergeLog.Build> gcc = reading.builds().stream().filter(b -> b.key().equals("sys-devel/gcc")).toList();
    // The four gcc-11.2.1 builds, as the log's start and completion lines give them.
    assertEquals(
        List.of(1637L, 1722L, 1605L, 1538L), gcc.stream().map(b -> b.duration().toSeconds()).toList());
  }

  @Test
  void aRealLogWithParallelJobsGivesEveryCompletion() throws IOException {
    String log = sharedLog("emerge_log_ClusterHQ_gentoo.log");
    long completions = log.lines().filter(l -> l.contains("::: completed emerge (")).count();
    EmergeLog.Reading reading = EmergeLog.read(log);
    assertEquals(completions, reading.builds().size() + reading.skipped());
    assertTrue(reading.skipped() < 10, "nearly every completion has its start: skipped " + reading.skipped());
  }
}

package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.atom.Atom;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EmergeLog} on mutated windows of two real {@code emerge.log}s and on garbage: it never
 * throws, and every build it reports names a valid package and took between zero and three days.
 */
class EmergeLogFuzzTest {

  @Test
  void mutatedRealLogsAreReadWithoutCrashingAndYieldOnlyPlausibleBuilds() throws IOException {
    List<List<String>> logs =
        List.of(
            SharedData.read("emerge_log_ClusterHQ_gentoo.log").lines().toList(),
            SharedData.read("emerge_log_hoeding_gentoo_apu.log").lines().toList());
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(300);
    for (int i = 0; i < iterations; i++) {
      List<String> log = logs.get(random.nextInt(logs.size()));
      check(Fuzz.mutated(random, Fuzz.window(random, log, 200)), i);
    }
  }

  @Test
  void garbageAndLogShapedGarbageAreReadWithoutCrashing() {
    Random random = Fuzz.random();
    int iterations = Fuzz.iterations(2_000);
    String[] shapes = {
      "%s:  >>> emerge (%s of %s) %s to %s", "%s:  ::: completed emerge (%s of %s) %s to %s", "%s:  *** terminating."
    };
    String[] numbers = {"0", "1", "-1", "99999999999999999999", "9223372036854775807", "1648204080", ""};
    for (int i = 0; i < iterations; i++) {
      StringBuilder text = new StringBuilder();
      int lines = random.nextInt(12);
      for (int l = 0; l < lines; l++) {
        String shape = shapes[random.nextInt(shapes.length)];
        Object[] args = {
          numbers[random.nextInt(numbers.length)],
          numbers[random.nextInt(numbers.length)],
          numbers[random.nextInt(numbers.length)],
          random.nextBoolean() ? "sys-libs/glibc-2.38-r" + numbers[random.nextInt(numbers.length)] : Fuzz.garbage(random, 30),
          random.nextBoolean() ? "/" : Fuzz.garbage(random, 5)
        };
        text.append(String.format(shape, args)).append(random.nextInt(5) == 0 ? "\r\n" : "\n");
      }
      check(text.toString(), i);
      check(Fuzz.garbage(random, 300), i);
    }
  }

  private static void check(String text, int iteration) {
    String context = Fuzz.replay(iteration, text);
    EmergeLog.Reading reading;
    try {
      reading = EmergeLog.read(text);
    } catch (RuntimeException | StackOverflowError crash) {
      throw new AssertionError("EmergeLog.read crashed" + context, crash);
    }
    assertTrue(reading.skipped() >= 0, context);
    for (EmergeLog.Build build : reading.builds()) {
      Fuzz.assertSafeAtom(build.key(), context);
      Fuzz.assertSafeAtom("=" + build.cpv(), context);
      assertTrue(Atom.parse("=" + build.cpv()).key().equals(build.key()), "key of " + build.cpv() + context);
      assertTrue(
          !build.duration().isNegative() && build.duration().compareTo(Duration.ofDays(3)) <= 0,
          build.duration() + context);
    }
  }
}

package dev.buildswarm.singleinstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsEveryUnitAndPlainSeconds() {
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofSeconds(45), Durations.parse("45s"));
    assertEquals(Duration.ofSeconds(45), Durations.parse(" 45 "));
    assertEquals(Duration.ofMinutes(30), Durations.parse("30M"));
    assertEquals(Duration.ofHours(2), Durations.parse("2h"));
    assertEquals(Duration.ofDays(1), Durations.parse("1d"));
  }

  @Test
  void refusesWhatIsNotADurationNamingIt() {
    for (String bad : new String[] {"", "s", "ms", "soon", "4x", "1.5h", "99999999999999999999d"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("'" + bad + "' is not a duration"), e.getMessage());
    }
  }
}

package dev.buildswarm.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A refused registration names what was wrong without echoing control characters or megabytes. */
class DroneRegistrationTest {
  private static IllegalArgumentException refused(String name, Map<String, String> capabilities) {
    return assertThrows(
        IllegalArgumentException.class, () -> new DroneRegistration(name, "h", 2, 1, 1.0, "v", capabilities));
  }

  @Test
  void aBadNameIsShownEscapedAndClipped() {
    String message = refused("evil\u001b[2J" + "x".repeat(100_000), Map.of()).getMessage();
    assertTrue(message.startsWith("invalid drone name 'evil\\x1b[2J"), message);
    assertTrue(message.length() < 200, "clipped: " + message.length());
  }

  @Test
  void aCapabilityWithAControlCharacterIsRefused() {
    String message = refused("d1", Map.of("profile", "a\rb")).getMessage();
    assertEquals("drone d1: capability profile must be one line of at most 256 characters", message);
    String key = refused("d1", Map.of("bad\u0007key", "x")).getMessage();
    assertTrue(key.contains("'bad\\x07key'"), key);
  }
}

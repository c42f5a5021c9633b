package dev.buildswarm.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading an import file, before anything is sent: cases the fuzz tests found. */
class QueueImportTest {

  private static QueueImport.Parsed json(String text) {
    return QueueImport.parse(text, null, false);
  }

  @Test
  void dependenciesAreCanonicalAtoms() {
    QueueImport.Parsed parsed = json("[{\"atom\": \"=app-misc/b-1\", \"after\": [\"=app-misc/a-1::gentoo\"]}]");
    assertEquals(List.of(), parsed.bad());
    assertEquals(List.of("=app-misc/a-1::gentoo"), parsed.items().get(0).after());
  }

  @Test
  void aDependencyThatIsNoAtomIsNamedBeforeAnythingIsSent() {
    // Was sent as the text "null", and the coordinator refused the whole batch.
    QueueImport.Parsed parsed = json("[\"=app-misc/a-1\", {\"atom\": \"=app-misc/b-1\", \"after\": [null]}]");
    assertEquals(1, parsed.items().size());
    assertTrue(parsed.bad().get(0).startsWith("entry 2: after must be an array of atoms"), parsed.bad().toString());
    parsed = json("[{\"atom\": \"=app-misc/b-1\", \"after\": [\"$(id)\"]}]");
    assertTrue(parsed.bad().get(0).contains("invalid atom '$(id)'"), parsed.bad().toString());
  }

  @Test
  void aDependencyGivenAsOneStringIsRefusedNotDropped() {
    // Was read as no dependencies at all: the package could build before the one it needs.
    QueueImport.Parsed parsed = json("[{\"atom\": \"=app-misc/b-1\", \"after\": \"=app-misc/a-1\"}]");
    assertEquals(List.of(), parsed.items());
    assertEquals(List.of("entry 1: after must be an array of atoms"), parsed.bad());
  }

  @Test
  void aPriorityOutOfRangeIsNamedBeforeAnythingIsSent() {
    // Was sent as is: with more than one request's worth of packages, the earlier requests were
    // queued before the coordinator refused the one holding it.
    QueueImport.Parsed parsed = json("[\"=app-misc/a-1\", {\"atom\": \"=app-misc/b-1\", \"priority\": 100001}]");
    assertEquals(1, parsed.items().size());
    assertEquals(List.of("entry 2: priority 100001 is out of range -100000 to 100000"), parsed.bad());
  }

  @Test
  void aFractionalPriorityIsRefusedNotRounded() {
    QueueImport.Parsed parsed = json("[{\"atom\": \"=app-misc/b-1\", \"priority\": 1.5}]");
    assertEquals(List.of("entry 1: priority must be a whole number"), parsed.bad());
  }
}

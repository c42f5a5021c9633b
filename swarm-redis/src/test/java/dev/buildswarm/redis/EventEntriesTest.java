package dev.buildswarm.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventEntriesTest {
  private static Map<String, String> group(String... lines) {
    return Map.of("type", "group", "events", String.join("\n", lines));
  }

  @Test
  void anEntryOfOneEventIsThatEvent() {
    Map<String, String> queued = Map.of("ts", "5", "type", "queued", "id", "7", "atom", "=app-misc/a-1");
    assertEquals(List.of(queued), EventEntries.expand(queued));
    assertTrue(EventEntries.concerns(queued, "7"));
    assertFalse(EventEntries.concerns(queued, "70"));
  }

  @Test
  void aGroupIsItsLinesInOrderWithDoneAndItsNextClaimAsTwoEvents() {
    Map<String, String> entry =
        group(
            "ts\t10\ttype\tbuilding\tid\t3\tdrone\td1\ttoken\t8",
            "ts\t11\ttype\tdone\tid\t4\tatom\t=app-misc/b-1\tdrone\td2\ttoken\t9\tduration_ms\t5"
                + "\tnext_id\t12\tnext_atom\t=app-misc/c-1\tnext_token\t10\tnext_attempt\t1",
            "ts\t12\ttype\tdone\tid\t5\tatom\t=app-misc/d-1\tdrone\td3\ttoken\t7\tduration_ms\t6");
    List<Map<String, String>> events = EventEntries.expand(entry);
    assertEquals(
        List.of(
            Map.of("ts", "10", "type", "building", "id", "3", "drone", "d1", "token", "8"),
            Map.of("ts", "11", "type", "done", "id", "4", "atom", "=app-misc/b-1", "drone", "d2", "token", "9", "duration_ms", "5"),
            Map.of("ts", "11", "type", "claimed", "id", "12", "atom", "=app-misc/c-1", "drone", "d2", "token", "10", "attempt", "1"),
            Map.of("ts", "12", "type", "done", "id", "5", "atom", "=app-misc/d-1", "drone", "d3", "token", "7", "duration_ms", "6")),
        events);
    assertTrue(EventEntries.concerns(entry, "12"), "the claim folded into a done line");
    assertTrue(EventEntries.concerns(entry, "5"));
    assertFalse(EventEntries.concerns(entry, "1"), "1 appears in the text, not as an id");
  }

  @Test
  void aValueWithABackslashTabOrNewlineComesBackAsItWas() {
    Map<String, String> entry = group("ts\t1\ttype\trefused\tdrone\ta\\tb\\nc\\\\d\\\\t\treason\tno such package");
    assertEquals(
        Map.of("ts", "1", "type", "refused", "drone", "a\tb\nc\\d\\t", "reason", "no such package"),
        EventEntries.expand(entry).get(0));
  }

  @Test
  void aMalformedOrEmptyGroupGivesWhatItHoldsAndNeverThrows() {
    assertEquals(List.of(), EventEntries.expand(Map.of("type", "group")));
    assertEquals(List.of(Map.of("ts", "1", "type", "done")), EventEntries.expand(group("ts\t1\ttype\tdone\tid")));
    assertEquals(List.of(Map.of("ts", "1", "empty", "")), EventEntries.expand(group("ts\t1\tempty\t")));
  }
}

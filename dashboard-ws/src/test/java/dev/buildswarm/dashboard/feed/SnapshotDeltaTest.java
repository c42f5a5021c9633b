package dev.buildswarm.dashboard.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class SnapshotDeltaTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode tree(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json.replace('\'', '"'));
  }

  @Test
  void aDeltaCarriesOnlyChangedSectionsChangedCardsAndNewEvents() throws Exception {
    ObjectNode before = tree("{'type':'snapshot','seq':4,'atMs':1,'swarm':'s','summary':{'header':'a'},'queue':{'total':1},"
        + "'drones':[{'name':'a','state':'idle'},{'name':'b','state':'idle'},{'name':'c','state':'idle'}],"
        + "'events':[{'id':'1-0','fields':{}}]}");
    ObjectNode after = tree("{'type':'snapshot','seq':5,'atMs':2,'swarm':'s','summary':{'header':'b'},'queue':{'total':1},"
        + "'drones':[{'name':'a','state':'idle'},{'name':'b','state':'building'},{'name':'d','state':'idle'}],"
        + "'events':[{'id':'3-0','fields':{}},{'id':'2-0','fields':{}},{'id':'1-0','fields':{}}]}");
    JsonNode delta = SnapshotDelta.between(before, after);
    assertEquals(5, delta.get("seq").asLong());
    assertEquals("[\"summary\"]", JSON.writeValueAsString(JSON.createArrayNode().addAll(
        java.util.stream.StreamSupport.stream(((Iterable<String>) () -> delta.get("set").fieldNames()).spliterator(), false)
            .map(JSON.getNodeFactory()::textNode).toList())));
    assertEquals(2, delta.get("drones").get("upsert").size());
    assertEquals("c", delta.get("drones").get("remove").get(0).asText());
    assertEquals(2, delta.get("events").size());

    JsonNode applied = SnapshotDelta.apply(before, delta);
    assertEquals(after.get("drones"), applied.get("drones"));
    assertEquals(after.get("events"), applied.get("events"));
    assertEquals(after.get("summary"), applied.get("summary"));
  }

  @Test
  void nothingChangedIsAnEmptyDelta() throws Exception {
    ObjectNode view = tree("{'type':'snapshot','seq':1,'atMs':1,'drones':[{'name':'a'}],'events':[],'queue':{}}");
    ObjectNode same = view.deepCopy().put("seq", 2).put("atMs", 9);
    assertTrue(SnapshotDelta.isEmpty(SnapshotDelta.between(view, same)));
  }
}

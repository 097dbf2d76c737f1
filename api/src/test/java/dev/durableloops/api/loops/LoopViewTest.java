package dev.durableloops.api.loops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The view's JSON: a view without state (no worker answered) has the same keys as a live one. */
class LoopViewTest {

  @Test
  void aViewWithoutStateHasEveryStateKeyAsNull() {
    LoopView view = LoopView.recorded("loop-x", "RUNNING", 3L, 0.5, "no worker answers", "DOWN", "RUNNING", null,
        Map.of("self", "/api/loops/loop-x"));
    JsonNode json = JsonMapper.builder().build().valueToTree(view);
    assertThat(LoopView.stateKeys()).hasSize(24).contains("worker", "iterations", "budget", "pendingDecision");
    for (String name : LoopView.stateKeys()) {
      assertThat(json.has(name)).as("key " + name + " in " + json).isTrue();
    }
    assertThat(json.get("goal").isNull()).isTrue();
    assertThat(json.get("iteration").asLong()).isEqualTo(3);
    assertThat(json.get("status").asString()).isEqualTo("RUNNING");
    assertThat(json.has("missingState")).isFalse();
  }
}

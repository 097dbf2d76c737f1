package dev.durableloops.workflows.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The JSON of the loop's state keeps its shape: a state carried by continue-as-new in a recorded
 * history reads into {@link LoopState} and writes back with the same properties and values (plus
 * properties added since, as {@code null}), and the state's top-level property names are the ones
 * the API, web UI and CLI read.
 */
class LoopStateJsonTest {

  /** The top-level properties of the state's JSON, as recorded histories and readers know them. */
  static final Set<String> PROPERTIES = new TreeSet<>(List.of("loopId", "goal", "status", "phase", "iteration", "baseCommit",
      "headCommit", "checkpoints", "reflections", "notes", "pendingDecision", "budget", "lastEvidence", "iterations",
      "repeatedFailures", "bestMetric", "stopReason", "phaseSince", "reflectionsWritten", "worker", "tasks", "deliveries", "rules",
      "sandbox"));

  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void aRecordedCarriedStateWritesBackAsItWasRead() throws Exception {
    JsonNode carried = recordedCarriedState();
    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    LoopState state = converter.fromPayload(converter.toPayload(carried).orElseThrow(), LoopState.class, LoopState.class);
    JsonNode written = mapper.readTree(converter.toPayload(state).orElseThrow().getData().toStringUtf8());

    Set<String> names = new TreeSet<>();
    written.fieldNames().forEachRemaining(names::add);
    assertThat(names).isEqualTo(PROPERTIES);
    List<String> differing = new ArrayList<>();
    carried.fieldNames().forEachRemaining(name -> {
      if (!carried.get(name).equals(written.get(name))) {
        differing.add(name);
      }
    });
    assertThat(differing).isEmpty();
    assertThat(written.get("sandbox").isNull()).isTrue();
  }

  private JsonNode recordedCarriedState() throws Exception {
    JsonNode history = mapper.readTree(Files.readString(Path.of("src/test/resources/histories/continue-as-new-last-run.json")));
    JsonNode started = history.get("events").get(0).get("workflowExecutionStartedEventAttributes");
    String input = new String(Base64.getDecoder().decode(started.get("input").get("payloads").get(0).get("data").asText()));
    return mapper.readTree(input).get("carried");
  }
}

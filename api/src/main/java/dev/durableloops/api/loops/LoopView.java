package dev.durableloops.api.loops;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.durableloops.workflows.state.LoopState;
import io.swagger.v3.oas.annotations.Hidden;
import tools.jackson.databind.json.JsonMapper;
import dev.durableloops.workflows.state.CarriedState;
import dev.durableloops.workflows.state.LiveState;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code GET /api/loops/{id}} and of each {@code state} event: the loop's state (the
 * {@code state} Query's {@link LoopState}, nested, so its fields appear here as they are there) with
 * the Temporal execution status and links. When no worker can answer the Query, {@code live} is
 * {@code false}, {@code message} says why, and only the fields Temporal's search attributes keep are
 * filled ({@code status}, {@code iteration}, {@code costUsd}); the state's other fields are {@code null}.
 *
 * @param id the loop id
 * @param loopId the loop id (the workflow id), as the Query names it
 * @param status the loop status ({@code RUNNING} … {@code CANCELLED}; {@code FAILED} when Temporal
 *     terminated it, {@code CANCELLED} when Temporal cancelled it), or {@code null} when not live and
 *     never recorded
 * @param iteration iterations started, or {@code null} when not live and never recorded
 * @param stopReason why the loop ended (also when Temporal ended it), or {@code null}
 * @param state the rest of the loop's state (every other field of {@link LoopState}, unwrapped), or
 *     {@code null} when not live
 * @param costUsd USD used (also in {@code budget}; alone when not live)
 * @param live whether the state came from the workflow itself (a worker answered the Query)
 * @param message why the state is not live, or {@code null}
 * @param workers whether a worker polls the task queue: {@code UP}, {@code DOWN} or {@code UNKNOWN}
 * @param temporalStatus the workflow execution status, e.g. {@code RUNNING}
 * @param links {@code self}, {@code web}, {@code temporal}
 */
public record LoopView(
    String id,
    String loopId,
    String status,
    Long iteration,
    String stopReason,
    @JsonUnwrapped @JsonIgnoreProperties({"loopId", "status", "iteration", "stopReason"}) LoopState state,
    Double costUsd,
    boolean live,
    String message,
    String workers,
    String temporalStatus,
    Map<String, String> links) {

  /** The state's fields this view carries itself, so they are not taken from {@link #state}. */
  private static final Set<String> OWN = Set.of("loopId", "status", "iteration", "stopReason");

  /** Every other field of {@link LoopState}, each {@code null}: what a view without state writes in its place. */
  private static final Map<String, Object> NO_STATE = noState();

  /**
   * The state's fields as {@code null} when there is no state, so a view that is not live has the
   * same keys as a live one; empty when there is state (its fields are written unwrapped).
   */
  @JsonAnyGetter
  @Hidden
  Map<String, Object> missingState() {
    return state == null ? NO_STATE : Map.of();
  }

  private static Map<String, Object> noState() {
    Map<String, Object> fields = new LinkedHashMap<>();
    stateKeys().stream().filter(name -> !OWN.contains(name)).forEach(name -> fields.put(name, null));
    return Collections.unmodifiableMap(fields);
  }

  /** The keys of a {@link LoopState}'s JSON, in order (its parts unwrapped). */
  static List<String> stateKeys() {
    LoopState empty = new LoopState(null, null, 0, null, new CarriedState(), new LiveState());
    return List.copyOf(JsonMapper.builder().build().valueToTree(empty).propertyNames());
  }

  /** A live view from the workflow's own state, with the status and stop reason as Temporal sees them. */
  static LoopView live(String id, LoopState s, String workers, String temporalStatus, String status, String stopReason,
      Map<String, String> links) {
    return new LoopView(id, s.loopId(), status, (long) s.iteration(), stopReason, s, s.carried().budget == null ? null : s.carried().budget.costUsd(),
        true, null, workers, temporalStatus, links);
  }

  /** A view from Temporal's description and search attributes alone. */
  static LoopView recorded(String id, String status, Long iteration, Double costUsd, String message, String workers,
      String temporalStatus, String stopReason, Map<String, String> links) {
    return new LoopView(id, id, status, iteration, stopReason, null, costUsd, false, message, workers, temporalStatus, links);
  }
}

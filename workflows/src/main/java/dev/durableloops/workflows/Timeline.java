package dev.durableloops.workflows;

import dev.durableloops.workflows.state.LiveState;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.TimelineRow;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the loop did over time: the phase it is in and since when ({@code phase}, {@code phaseSince}
 * in the live state), the time each step of the current iteration took, and the timeline rows (in
 * the carried state, at most {@value #MAX_ROWS}, the oldest dropped). Step times are workflow time,
 * in milliseconds, keyed by the phase's lower-case name.
 */
final class Timeline {

  /** At most this many timeline rows are kept in state (older ones are in the history). */
  static final int MAX_ROWS = 200;

  /** The phases of an iteration whose time is kept in its timeline row. */
  private static final Set<Phase> TIMED = EnumSet.of(Phase.DISCOVER, Phase.PLAN, Phase.MAKE, Phase.CHECK,
      Phase.GATE, Phase.APPROVAL, Phase.CHECKPOINT, Phase.DISCARD, Phase.REFLECT, Phase.DELIVER);

  private final LoopProgress state;
  private final LiveState live;
  /** When the current phase began, epoch ms (workflow time); {@code 0} before the first phase of this run. */
  private long phaseSinceMillis;
  /** Time per step of the current iteration, ms (workflow time). */
  private final Map<String, Long> stepMillis = new LinkedHashMap<>();

  Timeline(LoopProgress state, LiveState live) {
    this.state = state;
    this.live = live;
  }

  private List<TimelineRow> rows() {
    return state.kept().timeline;
  }

  /** The step the loop is in. */
  Phase phase() {
    return live.phase;
  }

  /**
   * Enters {@code next} at {@code nowMillis} (workflow time); the phase's start time moves only
   * when the phase changes, and the phase that ended adds its time to the iteration's step times.
   */
  void enter(Phase next, long nowMillis) {
    if (live.phase != next) {
      if (TIMED.contains(live.phase) && phaseSinceMillis > 0) {
        timed(live.phase, nowMillis - phaseSinceMillis);
      }
      phaseSinceMillis = nowMillis;
      live.phaseSince = Instant.ofEpochMilli(nowMillis).toString();
    }
    live.phase = next;
  }

  /**
   * Adds a finished phase's time to the current iteration's step times, and to its timeline row
   * when the row is already written (the checkpoint, discard and reflect steps end after it).
   */
  private void timed(Phase ended, long millis) {
    stepMillis.merge(ended.name().toLowerCase(Locale.ROOT), millis, Long::sum);
    int last = rows().size() - 1;
    if (last >= 0 && rows().get(last).iteration() == state.iteration()) {
      rows().set(last, rows().get(last).withStepMillis(stepTimes()));
    }
  }

  /** Starts the step times of a new iteration. */
  void newIteration() {
    stepMillis.clear();
  }

  /** Appends a row with the iteration's step times so far, dropping the oldest beyond {@value #MAX_ROWS}. */
  void record(TimelineRow row) {
    rows().add(row.withStepMillis(stepTimes()));
    while (rows().size() > MAX_ROWS) {
      rows().remove(0);
    }
  }

  private Map<String, Long> stepTimes() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(stepMillis));
  }
}

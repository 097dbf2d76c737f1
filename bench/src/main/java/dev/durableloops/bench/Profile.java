package dev.durableloops.bench;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where an iteration's time goes, read from one loop's history (the server's event timestamps, ms):
 * for each activity type, the time from its scheduling to its start (dispatch to the worker) and
 * from its start to its completion (the step on the worker: reconcile, sandbox, command, git); and
 * from each activity's completion to the next activity's scheduling (the workflow task that decides
 * the next step). Medians, each with the total per iteration (median × count ÷ iterations).
 */
final class Profile {

  private Profile() {}

  /** Markdown rows, one per activity type and phase, and one for the workflow tasks between steps. */
  static List<String> rows(WorkflowExecutionHistory history, int iterations) {
    Map<Long, HistoryEvent> scheduled = new LinkedHashMap<>();
    Map<Long, Long> startedAt = new LinkedHashMap<>();
    Map<String, List<Double>> dispatch = new LinkedHashMap<>();
    Map<String, List<Double>> run = new LinkedHashMap<>();
    List<Double> between = new ArrayList<>();
    Long lastCompleted = null;
    for (HistoryEvent e : history.getEvents()) {
      long t = millis(e);
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.put(e.getEventId(), e);
        if (lastCompleted != null) {
          between.add((double) (t - lastCompleted));
          lastCompleted = null;
        }
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        HistoryEvent s = scheduled.get(e.getActivityTaskStartedEventAttributes().getScheduledEventId());
        String type = s.getActivityTaskScheduledEventAttributes().getActivityType().getName();
        dispatch.computeIfAbsent(type, k -> new ArrayList<>()).add((double) (t - millis(s)));
        startedAt.put(e.getEventId(), t);
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        var a = e.getActivityTaskCompletedEventAttributes();
        HistoryEvent s = scheduled.get(a.getScheduledEventId());
        String type = s.getActivityTaskScheduledEventAttributes().getActivityType().getName();
        run.computeIfAbsent(type, k -> new ArrayList<>()).add((double) (t - startedAt.get(a.getStartedEventId())));
        lastCompleted = t;
      }
    }
    List<String> rows = new ArrayList<>();
    for (String type : run.keySet()) {
      List<Double> r = run.get(type);
      List<Double> d = dispatch.getOrDefault(type, List.of(0.0));
      rows.add(String.format(Locale.ROOT,
          "| profile: %s, started → completed (on the worker) | ms | %.1f | %.1f | %.1f | %d runs; %.1f ms/iteration; scheduled → started p50 %.1f ms |",
          type, Bench.median(r), min(r), max(r), r.size(), Bench.median(r) * r.size() / iterations, Bench.median(d)));
    }
    if (!between.isEmpty()) {
      rows.add(String.format(Locale.ROOT,
          "| profile: step completed → next step scheduled (workflow task) | ms | %.1f | %.1f | %.1f | %d gaps; %.1f ms/iteration |",
          Bench.median(between), min(between), max(between), between.size(), Bench.median(between) * between.size() / iterations));
    }
    return rows;
  }

  static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }

  private static double min(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}

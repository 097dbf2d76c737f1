package dev.durableloops.workflows;

import dev.durableloops.workflows.state.CarriedState;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.Reflection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Folds old reflections into one summary reflection (and drops the oldest checkpoints), so the state a loop carries across
 * continue-as-new stays bounded however many days it runs. The summary keeps what the notes were
 * about (the iteration range, how often each failure signature recurred, each note's first line)
 * within {@value #MAX_CHARS} characters; the notes themselves remain in the earlier runs' histories.
 */
final class Compaction {

  /** Signature of the reflection that summarizes folded older reflections. */
  static final String SUMMARY_SIGNATURE = "summary";

  /** Characters of a summary reflection at most. */
  static final int MAX_CHARS = 4_000;

  private Compaction() {}

  /** Whether {@code reflection} is a summary of folded older ones. */
  static boolean isSummary(Reflection reflection) {
    return SUMMARY_SIGNATURE.equals(reflection.signature());
  }

  static Reflection summarize(List<Reflection> old) {
    StringBuilder text = new StringBuilder();
    int from = old.get(0).iteration();
    int to = old.get(old.size() - 1).iteration();
    Map<String, Integer> signatures = new LinkedHashMap<>();
    StringBuilder firstLines = new StringBuilder();
    for (Reflection r : old) {
      if (SUMMARY_SIGNATURE.equals(r.signature())) {
        // An earlier summary: keep its text first, it already covers older iterations.
        text.append(r.text().strip()).append("\n\n");
        continue;
      }
      if (r.signature() != null) {
        signatures.merge(r.signature(), 1, Integer::sum);
      }
      firstLines.append("- iteration ").append(r.iteration()).append(": ")
          .append(r.text().strip().lines().findFirst().orElse("")).append('\n');
    }
    text.append("Summary of ").append(old.size()).append(" earlier reflections (iterations ").append(from).append('–').append(to).append(").");
    if (!signatures.isEmpty()) {
      text.append(" Failures seen: ").append(signatures.entrySet().stream()
          .sorted((a, b) -> b.getValue() - a.getValue())
          .map(e -> e.getKey() + " ×" + e.getValue())
          .collect(Collectors.joining(", "))).append('.');
    }
    text.append('\n').append(firstLines);
    String folded = Texts.truncate(text.toString(), MAX_CHARS);
    return new Reflection(to, folded, SUMMARY_SIGNATURE, false);
  }

  /**
   * Folds all but the newest {@code keepReflections} reflections into one summary and drops the
   * oldest checkpoints beyond {@code maxCheckpoints}. {@link CarriedState#reflectionsWritten} is
   * kept, so checkpoints still know which reflections were theirs.
   */
  static void compact(CarriedState kept, int keepReflections, int maxCheckpoints) {
    List<Reflection> all = kept.reflections;
    if (all.size() > keepReflections) {
      List<Reflection> old = new ArrayList<>(all.subList(0, all.size() - keepReflections));
      List<Reflection> recent = new ArrayList<>(all.subList(all.size() - keepReflections, all.size()));
      all.clear();
      all.add(summarize(old));
      all.addAll(recent);
    }
    while (kept.checkpoints.size() > maxCheckpoints) {
      kept.checkpoints.remove(0);
    }
  }

  /**
   * What a fork from checkpoint {@code number} of loop {@code loopId} starts with: the
   * checkpoint's commit, the reflections written up to it, all human notes, its metric.
   *
   * @return the seed, or {@code null} when there is no such checkpoint
   */
  static ForkSeed forkSeed(String loopId, CarriedState kept, int number) {
    if (number == 0) {
      return new ForkSeed(loopId, 0, kept.baseCommit, List.of(), List.copyOf(kept.notes), null);
    }
    Checkpoint cp = kept.checkpoints.stream().filter(c -> c.number() == number).findFirst().orElse(null);
    if (cp == null) {
      return null;
    }
    return new ForkSeed(loopId, number, cp.commit(), reflectionsUpTo(kept, cp.reflections()), List.copyOf(kept.notes), cp.metric());
  }

  /**
   * The reflections among the first {@code count} written. The reflection at list index {@code i}
   * was the {@code reflectionsWritten - (size - 1 - i)}-th written; a compaction summary at index 0
   * stands for all written before the next one and is kept whenever any of them counts.
   */
  static List<Reflection> reflectionsUpTo(CarriedState kept, int count) {
    List<Reflection> upTo = new ArrayList<>();
    int size = kept.reflections.size();
    for (int i = 0; i < size; i++) {
      Reflection r = kept.reflections.get(i);
      int ordinal = kept.reflectionsWritten - (size - 1 - i);
      boolean summary = i == 0 && isSummary(r);
      if (ordinal <= count || (summary && count > 0)) {
        upTo.add(r);
      }
    }
    return List.copyOf(upTo);
  }
}

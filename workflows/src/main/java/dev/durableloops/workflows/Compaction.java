package dev.durableloops.workflows;

import dev.durableloops.workflows.state.Reflection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Folds old reflections into one summary reflection, so the state a loop carries across
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
}

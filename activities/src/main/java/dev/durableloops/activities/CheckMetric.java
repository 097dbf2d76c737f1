package dev.durableloops.activities;

import dev.durableloops.workflows.Texts;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A check's metric, read from its output with the spec's pattern ({@code "metric": {"pattern":
 * "score: ([0-9.]+)"}}): the gate keeps an attempt only if it beats the best checkpoint.
 */
final class CheckMetric {

  /** Characters of a check's output searched for its metric (the end of the output). */
  static final int METRIC_WINDOW = 1 << 20;

  private CheckMetric() {}

  /**
   * The last number {@code pattern} finds in the last {@value #METRIC_WINDOW} characters of {@code log}
   * (its first group when it has one), or {@code null}. A match that is not a number is skipped.
   *
   * @throws StepException {@code BAD_SPEC} when {@code pattern} is not a regular expression
   */
  static Double read(Path log, String pattern) {
    Pattern compiled;
    try {
      compiled = Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw new StepException(StepException.Kind.BAD_SPEC, "metric pattern '" + pattern + "' is not a regular expression: " + e.getDescription());
    }
    String text = StepLogs.read(log);
    if (text.length() > METRIC_WINDOW) {
      text = Texts.tail(text, METRIC_WINDOW);
    }
    Matcher m = compiled.matcher(text);
    Double last = null;
    while (m.find()) {
      try {
        last = Double.parseDouble(m.groupCount() >= 1 ? m.group(1) : m.group());
      } catch (NumberFormatException e) {
        // Not a number: keep the last one that was.
      }
    }
    return last;
  }
}

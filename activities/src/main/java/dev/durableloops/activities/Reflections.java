package dev.durableloops.activities;

import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.FailedTest;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.ReflectInput;

/**
 * The built-in Reflexion note (Shinn et al., "Reflexion: Language Agents with Verbal Reinforcement
 * Learning", 2023): a plain-language account of why an iteration was rejected, built only from the
 * evidence — the verdict, the maker's result, each failed check with its failing tests and output
 * tail — and whether it repeats the previous failure.
 */
final class Reflections {

  /** Output tail lines quoted per failed check. */
  static final int TAIL_LINES = 12;

  private Reflections() {}

  static String builtIn(ReflectInput in) {
    StringBuilder md = new StringBuilder();
    md.append("Iteration ").append(in.context().iteration()).append(" was rejected: ").append(in.verdictReason()).append(".\n");
    md.append("Task: ").append(MemoryFiles.oneLine(in.task())).append('\n');
    MakeResult make = in.make();
    md.append("Maker: ").append(make.timedOut() ? "timed out" : "exit " + make.exitCode())
        .append(", ").append(make.changed() ? make.diffStat() : "no changes");
    if (make.summary() != null) {
      md.append(", said: ").append(MemoryFiles.oneLine(make.summary()));
    }
    md.append('\n');
    if (!make.succeeded() && !make.outputTail().isBlank()) {
      quote(md, make.outputTail());
    }
    for (CheckEvidence e : in.check().evidence()) {
      if (e.passed()) {
        continue;
      }
      md.append("Check ").append(e.name()).append(e.required() ? "" : " (optional)").append(' ')
          .append(e.timedOut() ? "timed out" : "failed with exit " + e.exitCode());
      if (e.testsRun() > 0) {
        md.append(": ").append(e.failedTests().size()).append(" of ").append(e.testsRun()).append(" tests failing");
      }
      md.append('\n');
      for (FailedTest t : e.failedTests()) {
        md.append("- `").append(t.id()).append("`: ").append(MemoryFiles.oneLine(t.message())).append('\n');
      }
      quote(md, e.outputTail());
    }
    if (in.humanComment() != null && !in.humanComment().isBlank()) {
      md.append("Reviewer's comment: ").append(in.humanComment().strip()).append('\n');
    }
    if (in.repeated()) {
      md.append("This is the same failure as the previous iteration (").append(in.repeatCount())
          .append(" in a row): the last approach did not work, try a different one.\n");
    } else {
      md.append("Next time: address the failures above without changing the checks.\n");
    }
    return md.toString();
  }

  private static void quote(StringBuilder md, String tail) {
    if (tail == null || tail.isBlank()) {
      return;
    }
    String[] lines = tail.strip().split("\n");
    md.append("```\n");
    for (int i = Math.max(0, lines.length - TAIL_LINES); i < lines.length; i++) {
      md.append(lines[i]).append('\n');
    }
    md.append("```\n");
  }
}

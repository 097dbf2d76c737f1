package dev.durableloops.activities;

import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.FailedTest;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.steps.StepContext;
import java.util.List;
import java.util.Locale;

/**
 * Renders the loop's memory files from workflow state: {@code .loop/STATE.md},
 * {@code .loop/REFLECTIONS.md} and the built-in prompt {@code .loop/PROMPT.md}. Pure functions of
 * their input, so rewriting them from the same state always gives the same bytes.
 */
final class MemoryFiles {

  /** The directory, relative to the workspace. */
  static final String DIR = ".loop";

  static final String STATE = DIR + "/STATE.md";
  static final String REFLECTIONS = DIR + "/REFLECTIONS.md";
  static final String PROMPT = DIR + "/PROMPT.md";
  static final String RESULT = DIR + "/result.json";
  static final String RULES = DIR + "/RULES.md";
  static final String REPORTS = DIR + "/reports";

  /** Reflections written out whole in the prompt; older ones are listed by their first line. */
  static final int PROMPT_REFLECTIONS = 5;

  private MemoryFiles() {}

  static String state(StepContext ctx, String task, MemoryView m) {
    StringBuilder md = new StringBuilder();
    md.append("# Loop state\n\n")
        .append("Written by durable-loops from the loop's workflow state before every iteration; edits are overwritten.\n\n")
        .append("- loop: ").append(ctx.loopId()).append('\n')
        .append("- goal: ").append(oneLine(ctx.goal())).append('\n')
        .append("- iteration: ").append(ctx.iteration());
    if (m.budget() != null) {
      md.append(" of at most ").append(m.budget().limits().maxIterations()).append('\n')
          .append(String.format(Locale.ROOT, "- cost used: $%.2f", m.budget().costUsd()));
      if (m.budget().limits().maxCostUsd() != null) {
        md.append(String.format(Locale.ROOT, " of $%.2f", m.budget().limits().maxCostUsd()));
      }
      md.append("\n- deadline: ").append(m.budget().deadline());
    }
    md.append("\n- task: ").append(oneLine(task)).append('\n')
        .append("- workspace is at: ").append(ctx.commit()).append("\n\n## Checkpoints\n\n");
    if (m.checkpoints().isEmpty()) {
      md.append("None yet: the workspace is at the base commit.\n");
    }
    for (Checkpoint cp : m.checkpoints()) {
      md.append("- cp-").append(cp.number()).append(" (iteration ").append(cp.iteration()).append("): ")
          .append(cp.commit()).append('\n');
    }
    md.append("\n## Last evidence\n\n").append(evidence(m.lastEvidence()));
    md.append("\n## Notes from humans\n\n").append(notes(m.notes()));
    return md.toString();
  }

  static String reflections(List<Reflection> reflections) {
    StringBuilder md = new StringBuilder("# Reflections\n\nWhat went wrong in earlier iterations and what to do differently, oldest first.\n");
    if (reflections.isEmpty()) {
      md.append("\nNone yet.\n");
    }
    for (Reflection r : reflections) {
      md.append("\n## Iteration ").append(r.iteration()).append(r.repeated() ? " (repeated failure)" : "")
          .append("\n\n").append(r.text().strip()).append('\n');
    }
    return md.toString();
  }

  static String prompt(StepContext ctx, String task, MemoryView m) {
    StringBuilder md = new StringBuilder();
    md.append("# Goal\n\n").append(ctx.goal().strip()).append("\n\n")
        .append("# Task for iteration ").append(ctx.iteration()).append("\n\n").append(task.strip()).append("\n\n");
    if (m.rules() != null && !m.rules().isEmpty()) {
      md.append("# Rules of this repository\n\n").append(ruleList(m.rules())).append('\n');
    }
    if (!m.notes().isEmpty()) {
      md.append("# Rules and notes from humans\n\n").append(notes(m.notes())).append('\n');
    }
    List<Reflection> rs = m.reflections();
    if (!rs.isEmpty()) {
      md.append("# What went wrong before\n\n");
      int whole = Math.max(0, rs.size() - PROMPT_REFLECTIONS);
      for (Reflection r : rs.subList(0, whole)) {
        md.append("- iteration ").append(r.iteration()).append(": ")
            .append(oneLine(r.text().strip().lines().findFirst().orElse(""))).append('\n');
      }
      for (Reflection r : rs.subList(whole, rs.size())) {
        md.append("## Iteration ").append(r.iteration()).append("\n\n").append(r.text().strip()).append("\n\n");
      }
    }
    if (!m.lastEvidence().isEmpty()) {
      md.append("# Evidence from the last iteration\n\n").append(evidence(m.lastEvidence())).append('\n');
    }
    md.append("# How this works\n\n")
        .append("Change the files in this repository to accomplish the task. Deterministic checks judge your change ")
        .append("after you finish; only a change that passes them is kept. Do not edit the checks to make them pass.\n")
        .append("The loop's memory is in `").append(STATE).append("` and `").append(REFLECTIONS).append("`. ")
        .append("You may write `{\"summary\": \"...\", \"costUsd\": 0.0, \"tokens\": 0}` to the file named by ")
        .append("`$LOOP_RESULT_FILE` to report what you did and what it cost.\n");
    return md.toString();
  }

  static String evidence(List<CheckEvidence> evidence) {
    if (evidence == null || evidence.isEmpty()) {
      return "None yet.\n";
    }
    StringBuilder md = new StringBuilder();
    for (CheckEvidence e : evidence) {
      md.append("- ").append(e.name()).append(e.required() ? "" : " (optional)").append(": ")
          .append(e.passed() ? "passed" : e.timedOut() ? "timed out" : "failed, exit " + e.exitCode());
      if (e.testsRun() > 0) {
        md.append(", ").append(e.testsRun()).append(" tests, ").append(e.failedTests().size()).append(" failing");
      }
      if (e.metric() != null) {
        md.append(", metric ").append(e.metric());
      }
      md.append('\n');
      for (FailedTest t : e.failedTests()) {
        md.append("  - `").append(t.id()).append("`: ").append(oneLine(t.message())).append('\n');
      }
    }
    return md.toString();
  }

  /** {@code .loop/RULES.md}: the repository's rules, kept by people across loops. */
  static String rules(List<String> rules) {
    return "# Rules of this repository\n\n"
        + "Kept by people across loops (the durable-loops API and page); written before every iteration.\n\n"
        + (rules == null || rules.isEmpty() ? "None yet.\n" : ruleList(rules));
  }

  private static String ruleList(List<String> rules) {
    StringBuilder md = new StringBuilder();
    rules.forEach(r -> md.append("- ").append(oneLine(r)).append('\n'));
    return md.toString();
  }

  private static String notes(List<Note> notes) {
    if (notes.isEmpty()) {
      return "None.\n";
    }
    StringBuilder md = new StringBuilder();
    for (Note n : notes) {
      md.append("- ").append(n.text().strip().replace("\n", "\n  "));
      if (n.author() != null && !n.author().isBlank()) {
        md.append(" (").append(oneLine(n.author())).append(')');
      }
      md.append('\n');
    }
    return md.toString();
  }

  static String oneLine(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}

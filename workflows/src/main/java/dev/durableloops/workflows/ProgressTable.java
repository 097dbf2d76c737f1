package dev.durableloops.workflows;

import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.LoopState;

import java.util.List;
import java.util.Locale;

/**
 * Renders a loop's state as the short Markdown table the workflow keeps as its current details
 * ({@code Workflow.setCurrentDetails}), shown in the Temporal UI.
 */
final class ProgressTable {

  /** Rows of recent iterations shown. */
  static final int RECENT = 5;

  private ProgressTable() {}

  static String render(LoopState s) {
    StringBuilder md = new StringBuilder();
    md.append("**").append(s.status()).append("** · phase ").append(s.live().phase)
        .append(" · iteration ").append(s.iteration());
    if (s.carried().budget != null) {
      md.append('/').append(s.carried().budget.limits().maxIterations())
          .append(String.format(Locale.ROOT, " · cost $%.2f", s.carried().budget.costUsd()));
    }
    md.append(" · checkpoints ").append(s.carried().checkpoints.size()).append('\n');
    if (s.live().pendingDecision != null) {
      md.append("\nAwaiting approval of iteration ").append(s.live().pendingDecision.iteration())
          .append(" (diff `").append(s.live().pendingDecision.diffHash()).append("`, ")
          .append(s.live().pendingDecision.diffStat()).append("): send signal `decision`.\n");
    }
    if (s.stopReason() != null) {
      md.append("\nStopped: ").append(s.stopReason()).append('\n');
    }
    List<TimelineRow> rows = s.carried().timeline;
    if (!rows.isEmpty()) {
      md.append("\n| iter | checks | verdict | checkpoint | reason |\n|---|---|---|---|---|\n");
      for (TimelineRow r : rows.subList(Math.max(0, rows.size() - RECENT), rows.size())) {
        md.append("| ").append(r.iteration())
            .append(" | ").append(String.join(" ", r.checks()))
            .append(" | ").append(r.verdict() == null ? "—" : r.verdict())
            .append(" | ").append(r.checkpoint() == null ? "" : "cp-" + r.checkpoint())
            .append(" | ").append(cell(r.reason())).append(" |\n");
      }
    }
    return md.toString();
  }

  private static String cell(String text) {
    if (text == null) {
      return "";
    }
    return Texts.truncate(text.replace('|', '/').replace('\n', ' '), 120);
  }
}

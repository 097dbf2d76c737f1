package dev.durableloops.cli;

import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** How the CLI prints a loop: a few lines a person reads at a glance. */
final class Render {

  private Render() {}

  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asString();
  }

  /**
   * An ISO-8601 instant as {@code 2026-12-02 16:05:07} (UTC, to the second), or as given when it
   * is not one.
   */
  static String instant(String iso) {
    try {
      return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(java.time.ZoneOffset.UTC)
          .format(java.time.Instant.parse(iso));
    } catch (java.time.format.DateTimeParseException e) {
      return iso;
    }
  }

  /** The loop's state: status, step, iteration, budget, pending decision, checkpoints, last reflections. */
  static String loop(JsonNode s, Printer printer) {
    StringBuilder out = new StringBuilder();
    out.append(printer.style("bold", text(s, "id"))).append("  ").append(printer.status(text(s, "status")));
    if (!text(s, "phase").isEmpty() && !"DONE".equals(text(s, "phase"))) {
      out.append(" · ").append(text(s, "phase"));
    }
    out.append(" · iteration ").append(text(s, "iteration"));
    JsonNode budget = s.get("budget");
    if (budget != null && !budget.isNull()) {
      out.append('/').append(budget.at("/limits/maxIterations").asString())
          .append(String.format(Locale.ROOT, " · $%.2f", budget.get("costUsd").asDouble()));
    }
    out.append('\n');
    if (!text(s, "stopReason").isEmpty()) {
      out.append("  stopped: ").append(text(s, "stopReason")).append('\n');
    }
    JsonNode pending = s.get("pendingDecision");
    if (pending != null && !pending.isNull()) {
      out.append("  awaiting approval of iteration ").append(text(pending, "iteration")).append(": ").append(text(pending, "diffStat"))
          .append(", diff ").append(text(pending, "diffHash")).append('\n');
      JsonNode choices = pending.get("attempts");
      if (choices != null && choices.isArray()) {
        for (JsonNode c : choices) {
          out.append("    passing attempt ").append(text(c, "attempt")).append(": ").append(text(c, "diffStat"))
              .append(", diff ").append(text(c, "diffHash")).append('\n');
        }
      }
    }
    JsonNode checkpoints = s.get("checkpoints");
    if (checkpoints != null && checkpoints.isArray()) {
      for (JsonNode cp : checkpoints) {
        out.append("  cp-").append(text(cp, "number")).append("  iteration ").append(text(cp, "iteration")).append("  ")
            .append(text(cp, "commit"), 0, Math.min(10, text(cp, "commit").length()))
            .append(cp.path("rolledBack").asBoolean() ? "  (rolled back)" : "").append('\n');
      }
    }
    JsonNode iterations = s.get("iterations");
    if (iterations != null && iterations.isArray()) {
      int from = Math.max(0, iterations.size() - 5);
      for (int i = from; i < iterations.size(); i++) {
        JsonNode r = iterations.get(i);
        out.append("  #").append(text(r, "iteration")).append(' ').append(text(r, "verdict")).append("  ").append(text(r, "reason"))
            .append('\n');
        selection(out, r.get("selection"));
      }
    }
    if (!s.path("live").asBoolean(true)) {
      out.append("  (not live: ").append(text(s, "message")).append(")\n");
    }
    return out.toString();
  }

  /** The attempts of a best-of-N iteration, one line each, and the rule that kept one. */
  private static void selection(StringBuilder out, JsonNode selection) {
    if (selection == null || selection.isNull()) {
      return;
    }
    String winner = text(selection, "winner");
    out.append("     ").append(winner.isEmpty() ? "" : "attempt " + winner + " kept: ").append(text(selection, "rule")).append('\n');
    for (JsonNode a : selection.path("attempts")) {
      out.append("     ").append(text(a, "attempt").equals(winner) ? "* " : "  ").append(text(a, "attempt")).append(' ')
          .append(text(a, "variant")).append("  ");
      for (JsonNode c : a.path("checks")) {
        out.append(c.asString()).append(' ');
      }
      if (!text(a, "metric").isEmpty()) {
        out.append(" metric ").append(text(a, "metric"));
      }
      out.append(' ').append(text(a, "diffStat"))
          .append(String.format(Locale.ROOT, "  $%.2f", a.path("costUsd").asDouble()));
      if (!text(a, "note").isEmpty()) {
        out.append("  (").append(text(a, "note")).append(')');
      }
      out.append('\n');
    }
  }
}

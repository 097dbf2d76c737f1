package dev.durableloops.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Help.Ansi;
import tools.jackson.databind.JsonNode;

/**
 * How a command prints: {@code -o table} (the default: aligned columns under a header, or a few
 * lines a person reads) or {@code -o json} (the API's JSON, indented, for scripts); colour only
 * when {@link Ansi#AUTO} finds a terminal ({@code NO_COLOR} turns it off, {@code CLICOLOR_FORCE}
 * on).
 */
final class Printer {

  /** The {@code -o} values. */
  enum Format { table, json }

  private final PrintWriter out;
  private final Ansi ansi;
  final Format format;

  Printer(PrintWriter out, Ansi ansi, Format format) {
    this.out = out;
    this.ansi = ansi;
    this.format = format;
  }

  boolean json() {
    return format == Format.json;
  }

  /** Whether colour and cursor movement reach a terminal. */
  boolean terminal() {
    return ansi.enabled();
  }

  PrintWriter out() {
    return out;
  }

  void line(String text) {
    out.println(text);
    out.flush();
  }

  /** Prints {@code node} as indented JSON. */
  void json(JsonNode node) {
    out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    out.flush();
  }

  /** {@code text} in picocli's markup ({@code @|bold x|@}) rendered when colour is on, plain otherwise. */
  String style(String style, String text) {
    return text.isEmpty() ? text : ansi.string("@|" + style + " " + text.replace("|@", "| @") + "|@");
  }

  /** A loop or schedule status coloured by what it means: green done, red failed, yellow stopped, cyan waiting for a person. */
  String status(String status) {
    return style(statusStyle(status), status);
  }

  static String statusStyle(String status) {
    return switch (status == null ? "" : status) {
      case "SUCCEEDED", "COMPLETED" -> "green";
      case "FAILED", "STALLED", "TERMINATED", "TIMED_OUT" -> "red";
      case "CAPPED", "CANCELLED", "CANCELED", "PAUSED" -> "yellow";
      case "AWAITING_APPROVAL", "AWAITING_BUDGET" -> "cyan,bold";
      default -> "faint";
    };
  }

  /**
   * Prints rows as columns under a bold header, each column as wide as its widest cell; the last
   * column is not padded. {@code styles} gives each column's style function (null for none).
   */
  void table(List<String> header, List<List<String>> rows, List<java.util.function.UnaryOperator<String>> styles) {
    int[] width = new int[header.size()];
    for (int c = 0; c < header.size(); c++) {
      width[c] = header.get(c).length();
      for (List<String> row : rows) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    out.println(row(header, width, null, true));
    for (List<String> r : rows) {
      out.println(row(r, width, styles, false));
    }
    out.flush();
  }

  private String row(List<String> cells, int[] width, List<java.util.function.UnaryOperator<String>> styles, boolean header) {
    List<String> parts = new ArrayList<>();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String padded = c == cells.size() - 1 ? cell : cell + " ".repeat(width[c] - cell.length());
      if (header) {
        padded = style("bold", padded);
      } else if (styles != null && styles.get(c) != null && !cell.isEmpty()) {
        // Style the cell, then pad: escape codes must not count toward the width.
        padded = styles.get(c).apply(cell) + (c == cells.size() - 1 ? "" : " ".repeat(width[c] - cell.length()));
      }
      parts.add(padded);
    }
    return String.join("  ", parts).stripTrailing();
  }

  /** {@code usd} as {@code $1.23}, or empty when absent. */
  static String usd(JsonNode value) {
    return value == null || value.isNull() || value.isMissingNode() ? "" : String.format(Locale.ROOT, "$%.2f", value.asDouble());
  }
}
